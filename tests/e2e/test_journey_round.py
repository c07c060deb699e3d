"""Journey 2: a product owner opens a round with a session of two seats and invites a sample;
three panelists accept and register (one with JavaScript off), the third lands on the waiting list
and is promoted when one cancels; the owner marks attendance and moves the round on with a note the
panelists then see."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.extensions import db
from panel.rounds.models import Registration, Session
from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in

NEXT_NOTE = {
    "nl": "We leerden dat jullie het overzicht willen",
    "en": "We learned you want the overview",
}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_round_from_invitation_to_next_stage(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], name="Olga Owner", locale=lang)
    # A segment only these three are in, so the sample of three is exactly them.
    postcode, region_index = ("3511", 6) if lang == "nl" else ("9711", 0)
    panelists = [
        live.run(
            seed.panelist, locale=lang, name=f"Pat {i}", customer_type="business", postcode=postcode
        )
        for i in range(3)
    ]
    owner = new_page()
    log_in(owner, live, lang, owner_email)
    owner.goto(f"{live.url}/{lang}/owner/rounds/new")
    title = f"Round {lang} {utcnow().timestamp()}"
    for field, value in {
        "title_nl": title,
        "title_en": title,
        "summary_nl": "Samen bouwen",
        "summary_en": "Build together",
        "question_nl": "Wat mis je?",
        "question_en": "What do you miss?",
    }.items():
        owner.fill(f"#{field}", value)
    owner.check("#visibility-1")  # invitation only
    owner.click("main form button[type=submit]")
    round_id = int(owner.url.rstrip("/").split("/")[-1])
    owner.click(f"form[action$='/owner/rounds/{round_id}/publish'] button")
    owner.goto(f"{live.url}/{lang}/owner/rounds/{round_id}/sessions/new")
    owner.check("#kind-1")  # online
    owner.fill("#meeting_link", "https://meet.example.com/round-room")
    owner.fill("#capacity", "2")
    owner.click("main form button[type=submit]")
    session_id = live.run(lambda: Session.query.filter_by(round_id=round_id).one().id)

    owner.goto(f"{live.url}/{lang}/owner/rounds/{round_id}/invite")
    owner.check("#customer_types-2")  # business customers …
    owner.click("details:has(#regions-0) summary")
    owner.check(f"#regions-{region_index}")  # … in this region
    owner.fill("#size", "3")
    owner.click("button[name=preview]")
    owner.click("button[name=send]")

    pages = []
    for index, (email, _member_id) in enumerate(panelists):
        page = new_page(javascript=index != 1)  # the second panelist has JavaScript off
        log_in(page, live, lang, email)
        page.click(f"form[action$='/rounds/{round_id}/invitation/accept'] button")
        page.goto(f"{live.url}/{lang}/rounds/{round_id}")
        page.click(f"form[action$='/sessions/{session_id}/register'] button")
        pages.append(page)
    statuses = live.run(
        lambda: [
            r.status
            for r in Registration.query.filter_by(session_id=session_id).order_by(Registration.id)
        ]
    )
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert "round-room" in pages[0].content() and "round-room" not in pages[2].content()

    # Cancelling asks first, on its own page (no JavaScript needed), then frees the seat.
    pages[0].click(f"a[href$='/sessions/{session_id}/cancel']")
    pages[0].click(f"form[action$='/sessions/{session_id}/cancel'] button")
    pages[2].reload()
    assert "round-room" in pages[2].content()

    def session_started():
        session = db.session.get(Session, session_id)
        session.starts_at = utcnow() - timedelta(hours=3)
        session.ends_at = utcnow() - timedelta(hours=1)

    live.run(session_started)
    owner.goto(f"{live.url}/{lang}/owner/rounds/{round_id}/sessions/{session_id}")
    owner.locator("button[value=attended]").first.click()
    assert (
        live.run(
            lambda: Registration.query.filter_by(
                session_id=session_id, attendance="attended"
            ).count()
        )
        == 1
    )

    owner.goto(f"{live.url}/{lang}/owner/rounds/{round_id}/stage")
    owner.fill("#note_nl", NEXT_NOTE["nl"])
    owner.fill("#note_en", NEXT_NOTE["en"])
    owner.click("main form button[type=submit]")
    pages[1].goto(f"{live.url}/{lang}/rounds/{round_id}")
    assert NEXT_NOTE[lang] in pages[1].content()
    assert_no_sideways_scroll(pages[1])
