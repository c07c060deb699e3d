"""Every message speaks its recipient's language, whoever triggered it.

Every notification kind (`kinds.all_kinds()`) and every mail template in templates/mail/ is
rendered for a Dutch and an English recipient, triggered by a Dutch and by an English staff member
(the request's language) and from a job (no request). The staff-written fields of the world carry
a distinct marker word per language ("Kaasschaaf" / "Pineapple"), and the interface text is held
against the catalog: no Dutch translation in an English message, no English source text in a
Dutch one.

Driven by the kind registry and the template directory: a new kind or template is covered by
itself. When one needs parameters or context the defaults don't give, add them to KIND_PARAMS or
MAIL_CONTEXT below.
"""

import html
import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import g
from flask_babel import refresh

from panel.accounts.streams import Stream
from panel.config import PROJECT_ROOT
from panel.database import utcnow
from panel.feedback.models import Release, ReleaseChange
from panel.i18n import speaking
from panel.insights.models import Insight, Route
from panel.insights.notices import stream_params
from panel.mail import OutboxMessage, render_mail
from panel.membership.models import PrivacyStatement
from panel.notifications import kinds
from panel.notifications.models import Notification
from panel.notifications.services import notify
from panel.rounds.models import Comment, Idea, Registration, Round, Session, StageChange
from panel.rounds.notices import round_params, session_params
from panel.security import Role

MAIL_DIR = Path(PROJECT_ROOT) / "templates" / "mail"
LANGS = ("nl", "en")
TRIGGERS = ("staff_nl", "staff_en", "job")

# Staff-written bilingual fields of the world: (model attribute, Dutch marker, English marker).
MARKERS = {
    "round_title": ("Kaasschaaf", "Pineapple"),
    "round_summary": ("Boterham", "Porridge"),
    "round_question": ("Fietspomp", "Wheelbarrow"),
    "round_outcome": ("Zandkasteel", "Lemonade"),
    "session_title": ("Hagelslag", "Blueberry"),
    "session_venue": ("Molenzaal", "Lighthouse"),
    "stream_name": ("Fietsbel", "Kettlebell"),
    "stream_description": ("Pannenkoek", "Toffee"),
    "insight_title": ("Tulpenveld", "Marmalade"),
    "route_answer": ("Grachtpand", "Doughnut"),
    "idea_answer": ("Klompendans", "Snowflake"),
    "note": ("Dropveter", "Butterfly"),
    "statement_changes": ("Pindakaas", "Hedgehog"),
    "statement_body": ("Stroopwafel", "Crumpet"),
    "change_title": ("Schaatsbaan", "Crocodile"),
    "change_description": ("Zuurkool", "Avocado"),
}
# Language-free text: what panelists and managers write themselves, in whatever language.
NEUTRAL = "Zyxwv"
FIRST_NAME = "Sanne"


# The world -------------------------------------------------------------------------------


def fill(obj, field, key):
    """Set field_nl / field_en to the markers (or, if the field has one language, a neutral
    word: text in one language can't be in both)."""
    nl, en = MARKERS[key]
    if hasattr(type(obj), f"{field}_nl"):
        setattr(obj, f"{field}_nl", nl)
        setattr(obj, f"{field}_en", en)
    else:
        setattr(obj, field, NEUTRAL)


@pytest.fixture
def world(db, make_user, make_member):
    staff = {
        lang: make_user(
            roles=[Role.PRODUCT_OWNER, Role.PANEL_MANAGER], locale=lang, name=f"Olga Staff{lang}"
        )
        for lang in LANGS
    }
    recipients = {
        lang: make_member(locale=lang, name=f"{FIRST_NAME} Visser{lang}", email=f"{lang}@ex.org")
        for lang in LANGS
    }
    now = utcnow()
    round_ = Round(visibility="all", stage="idea", published_at=now)
    for field in ("title", "summary", "question", "outcome"):
        fill(round_, field, f"round_{field}")
    if hasattr(Round, "owner_id"):
        round_.owner_id = staff["nl"].id
    db.session.add(round_)
    db.session.flush()
    session = Session(
        round_id=round_.id,
        kind="physical",
        capacity=10,
        seats_taken=1,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        registration_deadline=now + timedelta(hours=20),
        city="Utrecht",
    )
    fill(session, "title", "session_title")
    fill(session, "venue", "session_venue")
    db.session.add(session)
    db.session.flush()
    registration = Registration(
        session_id=session.id,
        member_id=recipients["nl"].id,
        status="confirmed",
        confirmed_at=now,
    )
    stage_change = StageChange(round_id=round_.id, from_stage="idea", to_stage="concept")
    fill(stage_change, "note", "note")
    idea = Idea(
        round_id=round_.id,
        author_id=recipients["nl"].id,
        title=NEUTRAL,
        body=NEUTRAL,
        status="selected",
    )
    fill(idea, "answer", "idea_answer")
    db.session.add_all([registration, stage_change, idea])
    db.session.flush()
    comment = Comment(idea_id=idea.id, author_id=recipients["en"].id, body=NEUTRAL)
    stream = Stream(slug="language-test", position=99)
    fill(stream, "name", "stream_name")
    fill(stream, "description", "stream_description")
    insight = Insight(description=NEUTRAL)
    fill(insight, "title", "insight_title")
    db.session.add_all([comment, stream, insight])
    db.session.flush()
    route = Route(
        insight_id=insight.id,
        stream_id=stream.id,
        status="planned",
        due_at=now + timedelta(days=2),
        decided_at=now,
        answered_at=now,
    )
    fill(route, "answer", "route_answer")
    release = Release(
        version="31.7",
        month=now.date().replace(day=1),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    db.session.add(release)
    db.session.flush()
    change = ReleaseChange(release_id=release.id, position=0)
    fill(change, "title", "change_title")
    fill(change, "description", "change_description")
    statement = PrivacyStatement(version=2)
    fill(statement, "body", "statement_body")
    fill(statement, "changes", "statement_changes")
    db.session.add_all([route, change, statement])
    db.session.commit()
    return {
        "staff": staff,
        "recipients": recipients,
        "round": round_,
        "session": session,
        "registration": registration,
        "stage_change": stage_change,
        "idea": idea,
        "comment": comment,
        "stream": stream,
        "insight": insight,
        "route": route,
        "release": release,
        "statement": statement,
    }


# Per kind: the parameters a notification of that kind is stored with. The default has the ids
# and bilingual pairs of every object of the world; a kind needing more or other values (a status
# code, a reason) gets an entry here.
def default_params(world):
    return {
        **round_params(world["round"]),
        **session_params(world["session"]),
        **stream_params(world["stream"]),
        "release_id": world["release"].id,
        "version": world["release"].version,
        "idea_id": world["idea"].id,
        "idea_title": NEUTRAL,
        "comment_id": world["comment"].id,
        "registration_id": world["registration"].id,
        "route_id": world["route"].id,
        "insight_id": world["insight"].id,
    }


KIND_PARAMS = {
    "membership_status": lambda world: {"status": "reserve"},
    "welcome": lambda world: {"status": "active"},
    "privacy_statement": lambda world: {"version": world["statement"].version},
    "idea_answered": lambda world: {"status": "selected", "idea_title": NEUTRAL},
    "content_hidden": lambda world: {"reason": NEUTRAL},
    "content_unhidden": lambda world: {},
    "panel_news": lambda world: {"subject": NEUTRAL},
    "round_stage": lambda world: {"stage": "concept"},
    "reaction_reply": lambda world: {"idea_title": NEUTRAL},
    "idea_merged": lambda world: {"idea_title": NEUTRAL, "kept_title": NEUTRAL},
}


def params_for(kind_name, world):
    params = default_params(world)
    params.update(KIND_PARAMS.get(kind_name, lambda world: {})(world))
    return params


# Per template: what the mail is rendered with. The default gives every object of the world
# (as the models, so bilingual fields are resolved while the mail is written); a template
# needing something else gets an entry here.
def default_mail_context(world):
    return {
        "registration": world["registration"],
        "stage_change": world["stage_change"],
        "idea": world["idea"],
        "comment": world["comment"],
        "route": world["route"],
        "statement": world["statement"],
        "release": world["release"],
    }


MAIL_CONTEXT = {
    "membership_status": lambda world: {"status": "reserve", "reason": NEUTRAL},
    "welcome": lambda world: {"status": "active"},
    "password_reset": lambda world: {"token": "t0k3n"},
    "join_confirm": lambda world: {"token": "t0k3n"},
    "confirm_again": lambda world: {"token": "t0k3n"},
    "staff_invitation": lambda world: {"token": "t0k3n", "inviter": world["staff"]["nl"]},
    "stream_digest": lambda world: {
        "new": [world["route"]],
        "overdue": [world["route"]],
        "decided": [world["route"]],
    },
    "panel_news": lambda world: {"subject": NEUTRAL},
    "reaction_reply": lambda world: {"comment": world["comment"]},
}


def mail_templates():
    return sorted(
        path.name.removesuffix(".subject.txt")
        for path in MAIL_DIR.glob("*.subject.txt")
        if not path.name.startswith("_")
    )


def kind_for_template(name):
    every = kinds.all_kinds()
    if name in every:
        return every[name]
    for kind in every.values():
        if kind.mail == name:
            return kind
    return every["round_stage"]


def mail_context_for(name, world, user):
    kind = kind_for_template(name)
    params = params_for(kind.name, world)
    context = dict(params)
    context.update(default_mail_context(world))
    context.update(MAIL_CONTEXT.get(name, lambda world: {})(world))
    context.update(
        user=user,
        link=f"/{user.locale}/me",
        notification_kind=kind,
        params=params,
    )
    return context


# Who triggers it ---------------------------------------------------------------------------


@contextmanager
def triggered_by(app, trigger):
    """A staff member's request in their language, or a job with no request at all."""
    if trigger == "job":
        yield
        return
    lang = trigger.removeprefix("staff_")
    with app.test_request_context(f"/{lang}/manage/rounds"):
        g.lang = lang
        refresh()  # a new request: Babel has no locale of an earlier one
        yield
    refresh()


# Whose language it is ----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\n")


def _segments(text):
    for part in PLACEHOLDER.split(text):
        part = part.strip(" .,:;!?()“”‘’'\"-—")
        if len(part) >= 14 and " " in part:
            yield part


@pytest.fixture(scope="module")
def catalog_text():
    """{lang: longer pieces of interface text only that language has}, from the catalog."""
    with open(Path(PROJECT_ROOT) / "translations/nl/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    dutch, english = set(), set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if set(ids) == set(strings):
            continue
        for text in ids:
            english.update(_segments(text))
        for text in strings:
            dutch.update(_segments(text))
    shared = dutch & english
    return {"nl": dutch - shared, "en": english - shared}


def as_text(value):
    """Mail HTML as the words a reader sees."""
    value = re.sub(r"<[^>]+>", " ", value)
    return " ".join(html.unescape(value).split())


def other(lang):
    return "en" if lang == "nl" else "nl"


def assert_speaks(lang, text, catalog_text, what):
    text = as_text(text)
    index = LANGS.index(other(lang))
    foreign = [pair[index] for pair in MARKERS.values() if pair[index] in text]
    assert not foreign, f"{what} in {lang} carries {other(lang)} content {foreign}: {text!r}"
    leaked = sorted(s for s in catalog_text[other(lang)] if s in text)
    assert not leaked, f"{what} in {lang} has {other(lang)} interface text {leaked}: {text!r}"
    fallback = "(in Dutch)" if lang == "en" else "(in het Engels)"
    assert fallback not in text, f"{what} in {lang} falls back to the other language: {text!r}"


GREETING = {"nl": f"Hoi {FIRST_NAME},", "en": f"Hello {FIRST_NAME},"}


def assert_greets_by_first_name(lang, body_text, body_html, what):
    first_line = body_text.strip().splitlines()[0]
    assert first_line == GREETING[lang], f"{what}: greeting is {first_line!r}"
    assert GREETING[lang] in as_text(body_html), f"{what}: no greeting in the HTML part"


def assert_text_and_html_agree(body_text, body_html, what):
    """The HTML says what the plain text says: the words of every line without a link are in
    the HTML, in that order (punctuation and layout aside: a label and its value in a table)."""

    def words(text):
        return " " + " ".join(re.sub(r"[^\w]+", " ", text).split()) + " "

    shown = words(as_text(body_html))
    for line in body_text.splitlines():
        if words(line).strip() and "http" not in line:
            assert words(line) in shown, f"{what}: the HTML part lacks {line.strip()!r}"
    last_line = body_text.rstrip().splitlines()[-1]
    assert as_text(body_html).endswith(last_line), f"{what}: the text ends unlike the HTML"


# The tests ---------------------------------------------------------------------------------


def test_every_mail_template_has_a_subject_a_text_and_an_html_part():
    names = mail_templates()
    assert "notification" in names and "welcome" in names
    for path in MAIL_DIR.iterdir():
        if path.name.startswith("_"):
            continue
        name = path.name.split(".")[0]
        assert name in names, f"{path.name} has no {name}.subject.txt"
    for name in names:
        for suffix in (".txt", ".html"):
            assert (MAIL_DIR / f"{name}{suffix}").exists(), f"mail {name} has no {suffix} part"


def test_every_kind_the_preferences_page_lists_is_mailed(app):
    """The preferences page lists every essential kind as 'always sent' by e-mail (and the
    optional kinds that have a mail, to switch off): each essential kind has a mail."""
    for kind in kinds.all_kinds().values():
        if kind.essential:
            assert kind.mail, f"{kind.name} is promised as always sent but never mailed"
        if kind.mail:
            assert (MAIL_DIR / f"{kind.mail}.subject.txt").exists(), kind.name


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_notification_kind_speaks_the_recipients_language(
    app, db, world, catalog_text, trigger
):
    for kind_name, kind in kinds.all_kinds().items():
        for lang, member in world["recipients"].items():
            user = member.user
            last = db.session.query(db.func.max(OutboxMessage.id)).scalar() or 0
            with triggered_by(app, trigger):
                notification = notify(
                    user,
                    kind_name,
                    link=f"/{lang}/me",
                    mail_context=default_mail_context(world),
                    **params_for(kind_name, world),
                )
            db.session.flush()
            what = f"{kind_name} to {lang} ({trigger})"
            mails = OutboxMessage.query.filter(
                OutboxMessage.id > last, OutboxMessage.to_address == user.email
            ).all()
            assert len(mails) == (1 if kind.mail else 0), what
            for mail in mails:
                assert mail.locale == lang
                for part in (mail.subject, mail.body_text, mail.body_html):
                    assert_speaks(lang, part, catalog_text, what)
                assert_greets_by_first_name(lang, mail.body_text, mail.body_html, what)
            # In the app, the title follows whoever reads it, in the page's language.
            stored = db.session.get(Notification, notification.id)
            for reader in LANGS:
                with app.test_request_context(f"/{reader}/notifications"):
                    g.lang = reader
                    refresh()
                    title = stored.title
                refresh()
                assert_speaks(reader, title, catalog_text, f"{what}, read in {reader}")
                assert "%(" not in title, f"{what}: title not filled in: {title!r}"
    db.session.rollback()


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("name", mail_templates())
def test_every_mail_template_speaks_the_recipients_language(
    app, db, world, catalog_text, trigger, name
):
    for lang, member in world["recipients"].items():
        user = member.user
        what = f"mail {name} to {lang} ({trigger})"
        with triggered_by(app, trigger):
            subject, body_text, body_html = render_mail(
                name, lang, **mail_context_for(name, world, user)
            )
        for part in (subject, body_text, body_html):
            assert_speaks(lang, part, catalog_text, what)
        assert f'<html lang="{lang}">' in body_html, what
        assert_greets_by_first_name(lang, body_text, body_html, what)
        assert_text_and_html_agree(body_text, body_html, what)


def test_the_markers_are_seen_so_the_check_is_not_empty(app, db, world, catalog_text):
    """The checks above would pass on a mail that left everything out: this one shows the
    staff-written fields do arrive, in the right language, and that the catalog check bites."""
    user = world["recipients"]["en"].user
    with triggered_by(app, "staff_nl"):
        subject, body_text, body_html = render_mail(
            "notification", "en", **mail_context_for("round_stage", world, user)
        )
        title_nl = kinds.get("round_stage").title_for(params_for("round_stage", world))
    assert "Pineapple" in subject and "Pineapple" in body_text and "Pineapple" in body_html
    # Mail about a kind shows more of what it is about (templates/mail/_about_<kind>.*).
    for kind_name, words in {
        "round_invitation": ("Porridge", "Wheelbarrow"),
        "round_outcome": ("Lemonade",),
        "release_feedback": ("Crocodile",),
        "release_reminder": ("Crocodile",),
    }.items():
        with triggered_by(app, "staff_nl"):
            context = mail_context_for(kind_name, world, user)
            _, text, markup = render_mail(kinds.get(kind_name).mail, "en", **context)
        for word in words:
            assert word in text and word in markup, (kind_name, word)
    assert "Kaasschaaf" in title_nl  # the page's own language where no recipient is speaking
    with pytest.raises(AssertionError):
        assert_speaks("en", title_nl, catalog_text, "a Dutch title")
    with speaking("nl"):
        dutch = kinds.get("membership_status").title_for({"status": "reserve"})
    with pytest.raises(AssertionError):
        assert_speaks("en", dutch + " " + next(iter(catalog_text["nl"])), catalog_text, "Dutch")


# Issue 17: "You asked for this" (panel.shipped) -------------------------------------------------

KIND_PARAMS["asked_shipped"] = lambda world: {
    "change": {"nl": "Schaatsbaan", "en": "Crocodile"},
    "more": 1,
}
MAIL_CONTEXT["asked_shipped"] = lambda world: {
    # What panel.shipped.announce passes: per change the member asked for, how they asked.
    "asked": [
        {
            "change": world["release"].changes[0],
            "authored": [world["idea"]],
            "supported": [world["idea"]],
            "insights": [world["insight"]],
        }
    ],
    "to_form": True,
    "endpoint": "feedback.form",
    "endpoint_args": {"release_id": world["release"].id},
}


def test_asked_shipped_names_the_change_and_the_insight_in_the_recipients_language(app, db, world):
    shown = {"en": ("Crocodile", "Avocado", "Marmalade"), "nl": ("Schaatsbaan", "Zuurkool")}
    for lang, words in shown.items():
        user = world["recipients"][lang].user
        with triggered_by(app, "staff_nl" if lang == "en" else "staff_en"):
            context = mail_context_for("asked_shipped", world, user)
            subject, text, markup = render_mail("asked_shipped", lang, **context)
        assert words[0] in subject
        for word in words:
            assert word in text and word in markup, (lang, word)


# Issue 17, recognition: a thank-you from the panel team (the manager's message is the member's
# own language, so it is language-free text here).
from panel.recognition.models import ThankYou  # noqa: E402

KIND_PARAMS["thank_you"] = lambda world: {"thank_you_id": 1, "thank_you_kind": "gift_card"}
MAIL_CONTEXT["thank_you"] = lambda world: {
    "thank_you": ThankYou(kind="gift_card", message=NEUTRAL, reason=NEUTRAL, value_cents=2500)
}
