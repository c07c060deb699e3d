"""What a panelist says could be better after a session is a contribution like any other: it
waits in triage (under the panelist's language), becomes evidence of an insight or "No action",
is only for who runs the session's round (and panel managers), and goes when the panelist does.
A rating without words is no contribution."""
# ruff: noqa: F811  (the fixtures are test_triage's, imported)

import re
import threading
from datetime import timedelta

from sqlalchemy import select

from panel.database import utcnow
from panel.feedback.models import TouchpointResponse
from panel.insights import services as insights
from panel.insights import triage
from panel.insights.models import TriageItem
from panel.membership.privacy import erase_member
from panel.rounds import services as rounds
from panel.rounds.models import Registration, Session
from panel.security import Role

from ..conftest import PASSWORD, csrf_token_from
from .test_triage import MANAGER, ROUND_FIELDS, listed, owner, release, round_  # noqa: F401


def attended(db, round_, member, days_ago=2):
    """A session of the round that `member` attended; returns its registration."""
    start = utcnow() - timedelta(days=days_ago)
    session = Session(
        round_id=round_.id,
        title_nl="Sessie over de factuur",
        title_en="Session about the bill",
        kind="online",
        capacity=5,
        seats_taken=1,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=start,
    )
    db.session.add(session)
    db.session.flush()
    registration = Registration(
        session_id=session.id, member_id=member.id, status="confirmed", attendance="attended"
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def tell(client, login_as, member, registration, score, better=""):
    """The panelist answers "how was the session?" through the form."""
    login_as(member.user)
    url = f"/{member.user.locale}/feedback/session/{registration.id}"
    page = client.get(url)
    answer = client.post(
        url,
        data={"csrf_token": csrf_token_from(page), "score": str(score), "better_text": better},
    )
    assert answer.status_code == 302
    return TouchpointResponse.query.filter_by(registration_id=registration.id).one()


def item_of(answer):
    return triage.db.session.execute(
        select(TriageItem).where(TriageItem.kind == "touchpoint", TriageItem.source_id == answer.id)
    ).scalar_one_or_none()


def test_what_could_be_better_waits_in_triage_in_the_panelists_language(
    db, client, login_as, round_, make_member
):
    dutch, english = make_member(locale="nl"), make_member(locale="en")
    nl = tell(client, login_as, dutch, attended(db, round_, dutch), 4, "Minder lange facturen")
    en = tell(client, login_as, english, attended(db, round_, english), 9, "More time for bills")
    for answer, language, group in ((nl, "nl", "detractor"), (en, "en", "promoter")):
        item = item_of(answer)
        assert item is not None
        assert (item.round_id, item.language, item.score_group) == (round_.id, language, group)
    assert listed(kind="touchpoint", language="nl") == [("touchpoint", nl.id)]
    assert listed(kind="touchpoint", language="en") == [("touchpoint", en.id)]
    # Searched in either language, stems and all ("facturen" -> "factuur"; "bills" -> "bill").
    assert listed(q="factuur") == [("touchpoint", nl.id)]
    assert listed(q="bill") == [("touchpoint", en.id)]
    login_as(round_.owner)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    row = page.split(f'id="item-touchpoint-{nl.id}"')[1].split("</li>")[0]
    assert "Session feedback" in row and "Minder lange facturen" in row
    session = nl.registration.session
    assert "After the session “Session about the bill” of" in row
    assert f'/rounds/{round_.id}/sessions/{session.id}">' in row  # the owner's session page
    facts = " ".join(re.findall(r'<p class="muted">(.*?)</p>', row, re.S)[-1].split())
    assert "Better app" in facts and "Score 4" in facts and "Dutch" in facts
    # The filters offer the kind.
    assert '<option value="touchpoint"' in page
    # The Dutch page names the Dutch session title.
    dutch_page = client.get("/nl/insights/triage?kind=touchpoint").get_data(as_text=True)
    assert "‘Sessie over de factuur’" in dutch_page and "More time for bills" in dutch_page


def test_a_rating_without_words_is_no_contribution(db, client, login_as, round_, make_member):
    member = make_member(locale="nl")
    answer = tell(client, login_as, member, attended(db, round_, member), 8, "   ")
    assert answer.better_text is None
    assert item_of(answer) is None
    assert ("touchpoint", answer.id) not in dict.fromkeys(
        (row["kind"], row["source_id"]) for row in triage.contribution_rows()
    )
    # Words written later (a correction by hand, a load) make it one; taken away, it goes.
    answer.better_text = "Koffie"
    db.session.commit()
    assert item_of(answer) is not None
    answer.better_text = ""
    db.session.commit()
    assert item_of(answer) is None


def test_made_an_insight_it_shows_as_evidence(
    db, client, login_as, owner, round_, make_member, make_user
):
    member = make_member(locale="nl")
    answer = tell(client, login_as, member, attended(db, round_, member), 5, "Te weinig koffie")
    key = f"touchpoint:{answer.id}"
    login_as(owner)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    assert f"/en/insights/new?item=touchpoint:{answer.id}&amp;" in page
    assert f"/en/insights/pick?item=touchpoint:{answer.id}&amp;" in page
    # The "Make insight" page quotes it, pseudonymously.
    new_page = client.get(f"/en/insights/new?item={key}").get_data(as_text=True)
    assert "Te weinig koffie" in new_page and f"Panelist #{member.number}" in new_page
    assert member.user.display_name not in new_page
    insight = insights.create_insight(
        "Koffie", "Coffee", "", [], owner, evidence=[("touchpoint", answer.id)]
    )
    db.session.commit()
    assert insight.round_id == round_.id  # the insight is the session's round's
    assert insight.evidence[0].member_id == member.id
    detail = client.get(f"/en/insights/{insight.id}").get_data(as_text=True)
    assert "Session feedback" in detail and "Te weinig koffie" in detail
    assert f"Panelist #{member.number}" in detail and member.user.display_name not in detail
    assert listed(state="evidence") == [("touchpoint", answer.id)]
    page = client.get("/en/insights/triage?state=evidence").get_data(as_text=True)
    assert f'href="/en/insights/{insight.id}"' in page
    # The panelist sees what became of it under My contributions.
    login_as(member.user)
    mine = client.get("/nl/me/contributions").get_data(as_text=True)
    assert "Te weinig koffie" in mine and "Koffie" in mine


def test_no_action_and_undo(db, client, login_as, round_, make_member):
    member = make_member(locale="en")
    answer = tell(client, login_as, member, attended(db, round_, member), 6, "Shorter please")
    login_as(round_.owner)
    token = csrf_token_from(client.get("/en/insights/triage"))
    key = f"touchpoint:{answer.id}"
    client.post("/en/insights/triage/dismiss", data={"csrf_token": token, "item": key})
    assert listed(state="dismissed") == [("touchpoint", answer.id)]
    client.post("/en/insights/triage/undo", data={"csrf_token": token, "item": key})
    assert listed(state="open") == [("touchpoint", answer.id)]


def test_an_owner_of_another_round_does_not_see_it(
    db, client, login_as, round_, make_member, make_user
):
    member = make_member(locale="nl")
    answer = tell(client, login_as, member, attended(db, round_, member), 3, "Te lang")
    key = f"touchpoint:{answer.id}"
    other = make_user(roles=[Role.PRODUCT_OWNER], locale="en")
    rounds.create_round(other, dict(ROUND_FIELDS), [])
    db.session.commit()
    assert listed(reader=other) == []
    assert listed(reader=round_.owner) == [("touchpoint", answer.id)]
    assert listed() == [("touchpoint", answer.id)]  # a panel manager
    login_as(other)
    page = client.get("/en/insights/triage?q=lang")
    assert "Te lang" not in page.get_data(as_text=True)
    assert client.get(f"/en/insights/new?item={key}").status_code == 404
    token = csrf_token_from(page)
    client.post("/en/insights/triage/dismiss", data={"csrf_token": token, "item": key})
    assert listed(state="dismissed") == []
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="en")
    login_as(manager)
    assert "Te lang" in client.get("/en/insights/triage").get_data(as_text=True)
    assert client.get(f"/en/insights/new?item={key}").status_code == 200


def test_erasure_takes_its_words_out_of_triage(db, client, login_as, round_, make_member):
    member = make_member(locale="nl")
    answer = tell(client, login_as, member, attended(db, round_, member), 2, "Zoëtermeer te ver")
    insight = insights.create_insight(
        "Ver", "Far", "", [], round_.owner, evidence=[("touchpoint", answer.id)]
    )
    db.session.commit()
    assert listed(q="zoetermeer") == [("touchpoint", answer.id)]
    erase_member(member)
    db.session.commit()
    assert item_of(answer) is None
    assert listed(q="zoetermeer") == [] and listed(q="ver") == []
    assert answer.better_text is None and answer.score == 2  # the score keeps counting
    # Rebuilt from the sources, triage agrees.
    triage.rebuild()
    db.session.commit()
    assert item_of(answer) is None
    login_as(round_.owner)
    detail = client.get(f"/en/insights/{insight.id}").get_data(as_text=True)
    assert "Zoëtermeer" not in detail and "This contribution has been removed." in detail


def test_the_kept_rows_equal_a_rebuild(db, client, login_as, round_, make_member):
    member, other = make_member(locale="nl"), make_member(locale="en")
    tell(client, login_as, member, attended(db, round_, member), 7, "Meer uitleg vooraf")
    tell(client, login_as, other, attended(db, round_, other), 10)
    columns = [getattr(TriageItem, name) for name in triage.ROW_COLUMNS if name != "created_at"]
    kept = db.session.execute(select(*columns).order_by(TriageItem.kind, TriageItem.source_id))
    kept = kept.all()
    assert triage.rebuild() == len(kept)
    db.session.commit()
    again = db.session.execute(select(*columns).order_by(TriageItem.kind, TriageItem.source_id))
    assert again.all() == kept


def test_the_same_answer_sent_twice_at_once_is_one_contribution(app, db, round_, make_member):
    member = make_member(locale="nl")
    registration = attended(db, round_, member)
    url = f"/nl/feedback/session/{registration.id}"
    clients, forms = [], []
    for _ in range(2):
        client = app.test_client()
        login = client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
        assert login.status_code == 302
        page = client.get(url)
        token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
        forms.append(
            {
                "csrf_token": csrf_token_from(page),
                "form_token": token.group(1) if token else "",
                "score": "8",
                "better_text": "Eerder beginnen",
            }
        )
        clients.append(client)
    app.config["TOUCHPOINT_RACE_DELAY"] = 0.2  # both have read "not answered yet" first
    barrier = threading.Barrier(2)
    codes, errors = [], []

    def send(client, data):
        barrier.wait()
        try:
            codes.append(client.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["TOUCHPOINT_RACE_DELAY"] = 0
    assert errors == [] and codes == [302, 302]
    db.session.rollback()
    answers = TouchpointResponse.query.filter_by(registration_id=registration.id).all()
    assert len(answers) == 1
    rows = db.session.execute(
        select(TriageItem.source_id).where(TriageItem.kind == "touchpoint")
    ).scalars()
    assert list(rows) == [answers[0].id]
