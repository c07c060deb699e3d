"""Contributor levels (panel.recognition.levels): points from taking part in the last 12 months,
the panel manager's thresholds, the member's opt-in badge on ideas and reactions, the
distribution on panel health, and two managers saving the thresholds at once."""

import html
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from panel import signals
from panel.audit import AuditEntry
from panel.database import utcnow
from panel.feedback.models import Release, Response
from panel.membership import health
from panel.membership.models import Member, PanelSettings
from panel.recognition import levels
from panel.rounds.models import Comment, Idea, Registration, Session
from panel.security import Role
from tests.conftest import csrf_token_from


class Taking:
    """Writes a member's participation, `days_ago` days back."""

    def __init__(self, db, round_):
        self.db, self.round = db, round_
        self.release = None
        self.session = None

    def idea(self, member, days_ago=1, **fields):
        idea = Idea(
            round_id=self.round.id,
            author_id=member.id,
            title="Verbruik per dag",
            body="Laat mijn verbruik per dag zien.",
            created_at=utcnow() - timedelta(days=days_ago),
            **fields,
        )
        self.db.session.add(idea)
        self.db.session.commit()
        return idea

    def reaction(self, member, days_ago=1, **fields):
        idea = self.idea(member, days_ago=400)  # too old to count itself
        comment = Comment(
            idea_id=idea.id,
            author_id=member.id,
            body="Eens!",
            created_at=utcnow() - timedelta(days=days_ago),
            **fields,
        )
        self.db.session.add(comment)
        self.db.session.commit()
        return comment

    def response(self, member, days_ago=1):
        number = Release.query.count() + 1
        release = Release(
            version=f"11.{number}",
            month=utcnow().date().replace(day=1),
            opens_at=utcnow() - timedelta(days=30),
            closes_at=utcnow() + timedelta(days=30),
        )
        self.db.session.add(release)
        self.db.session.flush()
        self.db.session.add(
            Response(
                release_id=release.id,
                member_id=member.id,
                score=8,
                created_at=utcnow() - timedelta(days=days_ago),
            )
        )
        self.db.session.commit()

    def session_attended(self, member, days_ago=1, attendance="attended"):
        starts = utcnow() - timedelta(days=days_ago)
        session = Session(
            round_id=self.round.id,
            title_nl="Sessie",
            title_en="Session",
            kind="online",
            capacity=10,
            seats_taken=1,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            registration_deadline=starts - timedelta(hours=1),
        )
        self.db.session.add(session)
        self.db.session.flush()
        self.db.session.add(
            Registration(
                session_id=session.id,
                member_id=member.id,
                status="confirmed",
                attendance=attendance,
            )
        )
        self.db.session.commit()


@pytest.fixture
def taking(db, round_):
    return Taking(db, round_)


def level_of(db, member):
    db.session.expire_all()
    return db.session.get(Member, member.id).contributor_level


def test_points_weigh_sessions_ideas_reactions_and_responses(db, make_member, taking):
    ann = make_member()
    taking.session_attended(ann)  # 3
    taking.idea(ann)  # 2
    taking.reaction(ann)  # 1
    taking.response(ann)  # 1
    assert levels.points_of(ann.id) == 7


def test_only_the_last_12_months_count_and_hidden_or_withdrawn_do_not(db, make_member, taking):
    ann = make_member()
    taking.idea(ann, days_ago=366)
    taking.reaction(ann, days_ago=370)
    taking.response(ann, days_ago=400)
    taking.session_attended(ann, days_ago=380)
    taking.idea(ann, hidden_at=utcnow())
    taking.idea(ann, withdrawn_at=utcnow())
    taking.reaction(ann, hidden_at=utcnow())
    taking.session_attended(ann, attendance="no_show")
    assert levels.points_of(ann.id) == 0
    taking.idea(ann, days_ago=364)
    assert levels.points_of(ann.id) == 2


def test_level_for_uses_the_thresholds():
    settings = PanelSettings(level_regular_at=4, level_ambassador_at=12)
    assert [levels.level_for(points, settings) for points in (0, 3, 4, 11, 12, 40)] == [
        "starter",
        "starter",
        "regular",
        "regular",
        "ambassador",
        "ambassador",
    ]


def test_refresh_keeps_every_members_level_in_a_few_statements(
    db, make_member, taking, count_queries
):
    starter, regular, ambassador, gone = (make_member() for _ in range(4))
    for _ in range(2):
        taking.idea(regular)  # 4 points
    for _ in range(4):
        taking.session_attended(ambassador)  # 12 points
    taking.idea(gone)
    gone.status, gone.contributor_level = "left", "regular"
    db.session.commit()

    with count_queries() as queries:
        changed = levels.refresh_levels()
    db.session.commit()
    # The settings, then three UPDATEs: set-based, however many members there are.
    assert queries.count <= 4, str(queries)
    assert changed == 4
    assert [level_of(db, m) for m in (starter, regular, ambassador, gone)] == [
        "starter",
        "regular",
        "ambassador",
        None,
    ]
    # Counting again changes nothing (only changed rows are written).
    assert levels.refresh_levels() == 0


def test_refresh_for_some_members_leaves_the_others(db, make_member, taking):
    ann, bob = make_member(), make_member()
    taking.idea(ann)
    taking.idea(ann)
    levels.refresh_levels([ann.id])
    db.session.commit()
    assert (level_of(db, ann), level_of(db, bob)) == ("regular", None)


def test_the_cli_command_counts_the_levels(app, db, make_member, taking):
    ann = make_member()
    taking.session_attended(ann)
    taking.idea(ann)
    result = app.test_cli_runner().invoke(args=["panel", "refresh-levels"])
    assert result.exit_code == 0, result.output
    assert "1 members changed level" in result.output
    assert level_of(db, ann) == "regular"


# The member's opt-in -------------------------------------------------------------------------


def profile_data(member, **overrides):
    data = {
        "name": "Jamie Jansen",
        "locale": "en",
        "birth_year": "1985",
        "postcode": "3511",
        "customer_type": "subscription",
        "years_as_customer": "3-5",
        "platform": "ios",
        "app_usage": "weekly",
        "interests": ["app"],
        "physical_region": "",
        "attends_online": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_badge_is_off_by_default_and_explained_on_the_profile(client, make_member, login_as):
    ann = make_member()
    assert ann.show_level is False
    login_as(ann.user)
    page = client.get("/en/me/profile").get_data(as_text=True)
    assert "Show my contributor level next to my ideas and reactions" in page
    assert "Others see it only if you switch this on" in page
    assert 'id="show_level"' in page and "checked" not in page.split('id="show_level"')[1][:40]
    nl = client.get("/nl/me/profile").get_data(as_text=True)
    assert "Mijn niveau als deelnemer tonen bij mijn ideeën en reacties" in nl


def test_switching_the_badge_on_counts_the_level_at_once(db, client, make_member, login_as, taking):
    ann = make_member()
    for _ in range(2):
        taking.session_attended(ann)  # 6 points: regular, never counted before
    assert ann.contributor_level is None
    login_as(ann.user)
    page = client.get("/en/me/profile")
    response = client.post(
        "/en/me/profile",
        data=profile_data(ann, show_level="y", csrf_token=csrf_token_from(page)),
    )
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(Member, ann.id)
    assert (member.show_level, member.contributor_level) == (True, "regular")
    page = client.get("/en/me/profile")
    assert "Your level now: Regular." in page.get_data(as_text=True)

    # And off again.
    client.post("/en/me/profile", data=profile_data(ann, csrf_token=csrf_token_from(page)))
    db.session.expire_all()
    assert db.session.get(Member, ann.id).show_level is False


# The badge on ideas and reactions ---------------------------------------------------------------


def badge_shown(page):
    return page.count('class="tag tag-level')


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_badge_shows_next_to_the_pseudonym_only_when_agreed(
    db, client, make_member, login_as, taking, round_, lang
):
    showing, hiding, reader = make_member(), make_member(), make_member(locale=lang)
    idea = taking.idea(showing)
    db.session.add(Comment(idea_id=idea.id, author_id=showing.id, body="Mee eens"))
    db.session.add(Comment(idea_id=idea.id, author_id=hiding.id, body="Ik ook"))
    showing.show_level = True  # counts its level (starter) at once
    showing.contributor_level = "ambassador"
    hiding.contributor_level = "regular"
    db.session.commit()
    login_as(reader.user)
    page = client.get(f"/{lang}/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert badge_shown(page) == 2  # the idea and its reaction by `showing`; none for `hiding`
    title = {"en": "Ambassador", "nl": "Ambassadeur"}[lang]
    explained = {
        "en": "Ambassador: one of the panel's most active members",
        "nl": "Ambassadeur: een van de actiefste panelleden",
    }[lang]
    assert f'<span aria-hidden="true">{title}</span>' in page
    assert explained in html.unescape(page), page[page.find("tag-level") :][:600]
    assert {"en": "Regular", "nl": "Vaste deelnemer"}[lang] not in page


def test_no_badge_without_a_level_or_after_leaving(db, client, make_member, login_as, taking):
    ann, reader = make_member(), make_member()
    idea = taking.idea(ann)
    ann.show_level = True  # the set event counts a level at once
    db.session.commit()
    assert ann.contributor_level == "starter"
    db.session.execute(
        Member.__table__.update().where(Member.id == ann.id).values(contributor_level=None)
    )
    db.session.commit()
    login_as(reader.user)
    url = f"/en/rounds/{idea.round_id}/ideas/{idea.id}"
    assert badge_shown(client.get(url).get_data(as_text=True)) == 0
    ann = db.session.get(Member, ann.id)
    ann.contributor_level, ann.status = "regular", "removed"
    db.session.commit()
    assert badge_shown(client.get(url).get_data(as_text=True)) == 0


def test_badges_cost_no_query_per_reaction(
    db, client, make_member, login_as, taking, count_queries
):
    reader = make_member()
    idea = taking.idea(make_member())
    login_as(reader.user)
    url = f"/en/rounds/{idea.round_id}/ideas/{idea.id}"

    def add_reactions(count):
        for _ in range(count):
            author = make_member()
            author.show_level = True
            author.contributor_level = "regular"
            db.session.add(Comment(idea_id=idea.id, author_id=author.id, body="Goed idee"))
        db.session.commit()

    add_reactions(2)
    client.get(url)
    with count_queries() as few:
        page = client.get(url).get_data(as_text=True)
    assert badge_shown(page) == 2
    add_reactions(8)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert badge_shown(page) == 10
    assert many.count == few.count, str(many)


# The panel manager's thresholds ----------------------------------------------------------------


def test_only_panel_managers_set_the_thresholds(client, make_user, make_member, login_as):
    login_as(make_member().user)
    assert client.get("/en/manage/recognition/levels").status_code == 403
    client.post("/en/logout")
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    assert client.get("/en/manage/recognition/levels").status_code == 403


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_levels_page_shows_points_thresholds_and_members_per_level(
    db, client, manager, login_as, make_member, taking, lang
):
    ann = make_member()
    taking.idea(ann)
    taking.idea(ann)
    make_member()
    levels.refresh_levels()
    db.session.commit()
    login_as(manager)
    page = client.get(f"/{lang}/manage/recognition/levels").get_data(as_text=True)
    assert {"en": "Contributor levels", "nl": "Niveaus van deelnemers"}[lang] in page
    assert 'value="4"' in page and 'value="12"' in page


def test_a_preview_counts_members_per_level_without_saving(
    db, client, manager, login_as, make_member, taking
):
    ann = make_member()
    make_member()  # 0 points
    taking.idea(ann)  # 2 points
    levels.refresh_levels()
    db.session.commit()
    login_as(manager)
    page = client.get("/en/manage/recognition/levels")
    response = client.post(
        "/en/manage/recognition/levels",
        data={
            "level_regular_at": "2",
            "level_ambassador_at": "3",
            "preview": "1",
            "csrf_token": csrf_token_from(page),
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "With the numbers above" in text
    assert levels.members_per_level(2, 3) == {"starter": 1, "regular": 1, "ambassador": 0}
    assert PanelSettings.current().level_regular_at == 4  # nothing saved
    assert level_of(db, ann) == "starter"


def test_saving_the_thresholds_recounts_and_is_audited(
    db, client, manager, login_as, make_member, taking
):
    ann = make_member()
    taking.idea(ann)
    levels.refresh_levels()
    db.session.commit()
    assert level_of(db, ann) == "starter"
    login_as(manager)
    page = client.get("/en/manage/recognition/levels")
    response = client.post(
        "/en/manage/recognition/levels",
        data={
            "level_regular_at": "2",
            "level_ambassador_at": "10",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    settings = db.session.get(PanelSettings, 1)
    assert (settings.level_regular_at, settings.level_ambassador_at) == (2, 10)
    assert level_of(db, ann) == "regular"
    entry = AuditEntry.query.filter_by(action="panel_settings.update").one()
    assert entry.actor_id == manager.id and '"level_regular_at": 2' in entry.details_json


@pytest.mark.parametrize(
    ("lang", "regular", "ambassador", "message"),
    [
        ("en", "0", "12", "Enter a number from 1 to 1,000."),
        ("nl", "0", "12", "Vul een getal van 1 tot en met 1.000 in."),
        ("en", "5", "5", "Enter a number higher than the one for a regular."),
        ("nl", "8", "3", "Vul een hoger getal in dan dat voor een vaste deelnemer."),
        ("en", "", "12", "Please fill this in."),
        ("en", "abc", "12", None),
        ("en", "99999999999999999999", "12", None),
    ],
)
def test_bad_thresholds_are_refused_in_words_and_keep_what_was_typed(
    client, manager, login_as, lang, regular, ambassador, message
):
    login_as(manager)
    page = client.get(f"/{lang}/manage/recognition/levels")
    response = client.post(
        f"/{lang}/manage/recognition/levels",
        data={
            "level_regular_at": regular,
            "level_ambassador_at": ambassador,
            "csrf_token": csrf_token_from(page),
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="field-error"' in text
    if message:
        assert message in text
    assert f'value="{ambassador}"' in text
    assert PanelSettings.current().level_regular_at == 4


def test_two_managers_saving_at_once_leave_one_of_their_pairs(app, db, make_user):
    """The settings row does not exist yet: both saves insert it (one wins, no error) and write
    both numbers in one UPDATE, so the row holds one manager's pair, never a mix."""
    first, second = make_user(roles=[Role.PANEL_MANAGER]), make_user(roles=[Role.PANEL_MANAGER])
    assert db.session.get(PanelSettings, 1) is None
    pairs = {first.id: (3, 9), second.id: (6, 20)}
    barrier = threading.Barrier(2)
    errors = []
    app.config["LEVELS_RACE_DELAY"] = 0.2

    def save(user_id):
        with app.app_context():
            from panel.accounts.models import User
            from panel.extensions import db as thread_db

            try:
                barrier.wait()
                levels.save_thresholds(*pairs[user_id], thread_db.session.get(User, user_id))
                thread_db.session.commit()
            except Exception as error:  # noqa: BLE001 - any error fails the test
                thread_db.session.rollback()
                errors.append(error)
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=save, args=(user.id,)) for user in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["LEVELS_RACE_DELAY"] = 0
    assert errors == []
    db.session.rollback()  # read what the two committed, not this session's old snapshot
    rows = db.session.scalars(select(PanelSettings)).all()
    assert len(rows) == 1
    assert (rows[0].level_regular_at, rows[0].level_ambassador_at) in pairs.values()
    assert AuditEntry.query.filter_by(action="panel_settings.update").count() == 2


# Panel health ----------------------------------------------------------------------------------


@pytest.fixture
def levels_counted_for_health():
    """The kept panel health figures hold the levels (recognition/__init__ connects this)."""
    connected = levels.health_counts in signals.panel_health_counts.receivers_for(None)
    if not connected:
        signals.panel_health_counts.connect(levels.health_counts)
    yield
    if not connected:
        signals.panel_health_counts.disconnect(levels.health_counts)


def test_panel_health_shows_the_active_members_per_level(
    db, client, manager, login_as, make_member, levels_counted_for_health, count_queries
):
    for level, show in [("starter", False), ("regular", True), ("regular", False)]:
        member = make_member()
        member.show_level = show
        member.contributor_level = level
    paused = make_member(status="paused")
    paused.contributor_level = "ambassador"
    db.session.commit()

    name, counts = levels.health_counts()
    _template, context = levels.health_section(SimpleNamespace(parts={name: counts}))
    rows = {level.value: (count, showing) for level, count, showing in context["rows"]}
    assert rows == {"starter": (1, 0), "regular": (2, 1), "ambassador": (0, 0)}
    assert context["showing"] == 1

    health.refresh()
    db.session.commit()
    login_as(manager)
    page = client.get("/en/manage/health").get_data(as_text=True)
    assert "Contributor levels" in page and "1 active member shows their badge." in page
    assert "/en/manage/recognition/levels" in page
    nl = client.get("/nl/manage/health").get_data(as_text=True)
    assert "Niveaus van deelnemers" in nl and "Bij 1 actief panellid is het niveau zichtbaar." in nl

    # Read from the kept figures: no query of its own.
    with count_queries() as queries:
        client.get("/en/manage/health")
    grouped = [s for s in queries.statements if "GROUP BY members.contributor_level" in s]
    assert grouped == [], str(queries)


def test_panel_health_before_a_count_that_holds_the_levels(db, make_member):
    template, context = levels.health_section(SimpleNamespace(parts={}))
    assert template == "recognition/_levels_health.html" and context["rows"] is None


def test_the_panel_settings_page_leads_to_the_levels(client, manager, login_as):
    login_as(manager)
    page = client.get("/en/manage/settings").get_data(as_text=True)
    assert "/en/manage/recognition/levels" in page
    nl = client.get("/nl/manage/settings").get_data(as_text=True)
    assert "Vanaf hoeveel punten een panellid vaste deelnemer of ambassadeur is." in nl


def test_an_admin_sets_the_panel_rules_but_is_not_led_to_the_levels(client, make_user, login_as):
    """The levels are the panel managers'; an administrator, who may open the panel settings,
    gets no link there that would end in 'not allowed'."""
    login_as(make_user(roles=[Role.ADMIN]))
    response = client.get("/en/manage/settings")
    assert response.status_code == 200
    assert "/en/manage/recognition/levels" not in response.get_data(as_text=True)
    assert client.get("/en/manage/recognition/levels").status_code == 403


@pytest.mark.parametrize(
    ("status", "show_level", "level", "shown"),
    [
        ("active", True, "regular", True),
        ("paused", True, "ambassador", True),
        ("pending", True, "starter", True),
        ("active", False, "regular", False),
        ("active", True, None, False),
        ("active", True, "legend", False),
        ("left", True, "regular", False),
    ],
)
def test_one_rule_for_the_badge(status, show_level, level, shown):
    """The badge template asks levels.shows_badge (a template global): agreed, a known level,
    still in the panel."""
    member = SimpleNamespace(status=status, show_level=show_level, contributor_level=level)
    assert levels.shows_badge(member) is shown
    assert levels.shows_badge(None) is False


def test_the_levels_page_keeps_its_query_count_as_members_grow(
    db, client, manager, login_as, make_member, taking, count_queries
):
    login_as(manager)
    make_member()
    client.get("/en/manage/recognition/levels")
    with count_queries() as few:
        client.get("/en/manage/recognition/levels")
    for _ in range(6):
        taking.idea(make_member())
    levels.refresh_levels()
    db.session.commit()
    with count_queries() as many:
        client.get("/en/manage/recognition/levels")
    assert many.count == few.count <= 4, str(many)
