"""Triage on a 375-px phone: a contribution with a long unbroken token (a link, a code) wraps
instead of making the page scroll sideways."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.extensions import db
from panel.feedback.models import Release, Response
from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in

LONG = "https://voorbeeld.nl/" + "abcdefghij" * 12


def release_with_a_long_comment(lang, version):
    now = utcnow()
    release = Release(
        version=version,
        month=now.date().replace(day=1),
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=10),
        published_at=now - timedelta(days=21),
        audience="all",
    )
    db.session.add(release)
    db.session.flush()
    _email, member_id = seed.panelist(locale=lang)
    db.session.add(Response(release_id=release.id, member_id=member_id, score=4, improve_text=LONG))
    db.session.commit()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_triage_fits_a_phone_with_a_long_token(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    live.run(release_with_a_long_comment, lang, f"33.{lang}")
    phone = new_page(width=375)
    log_in(phone, live, lang, owner_email)
    phone.goto(f"{live.url}/{lang}/insights/triage")
    assert "abcdefghij" in phone.content()
    assert_no_sideways_scroll(phone)
