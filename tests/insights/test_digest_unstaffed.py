"""The weekly digest (issue 16): it links each insight in the recipient's language, and what is
routed to a stream without reviewers reaches the panel managers until someone is added."""

from datetime import timedelta

import pytest

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.database import utcnow
from panel.insights import services
from panel.mail import OutboxMessage
from panel.security import Role


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    streams = {stream.slug: stream for stream in Stream.query}
    reviewer = make_user(roles=[Role.REVIEWER], locale="en", email="rita@example.org")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=reviewer.id))
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="nl", email="maria@example.org")
    owner = make_user(roles=[Role.PRODUCT_OWNER], email="otto@example.org")
    db.session.commit()
    return {"streams": streams, "reviewer": reviewer, "manager": manager, "owner": owner}


def routed(db, setup, title, slug):
    insight = services.create_insight("", title, "", [], setup["owner"])
    route = services.add_route(insight, setup["streams"][slug], setup["owner"])
    db.session.commit()
    return route


def digest_to(email):
    return OutboxMessage.query.filter_by(kind="stream_digest", to_address=email).one_or_none()


def test_the_digest_links_each_insight_in_the_recipients_language(app, db, setup):
    route = routed(db, setup, "Invoice late", "billing")
    assert services.send_digests() >= 1
    mail = digest_to("rita@example.org")
    assert f"/en/insights/inbox/{route.id}" in mail.body_text
    assert f'/en/insights/inbox/{route.id}">Invoice late</a>' in mail.body_html
    assert 'href="http' in mail.body_html


def test_a_stream_without_reviewers_goes_to_the_panel_managers(app, db, setup):
    shop = routed(db, setup, "Shop closed early", "retail")
    assert setup["streams"]["retail"].id in services.unstaffed_stream_ids()
    recipients = services.digest_recipients()
    assert setup["streams"]["retail"].id in recipients[setup["manager"].id]
    assert setup["owner"].id not in recipients
    services.send_digests()
    mail = digest_to("maria@example.org")
    assert mail.locale == "nl"
    assert (
        "Shop closed early" in mail.body_text and f"/nl/insights/inbox/{shop.id}" in mail.body_text
    )
    assert "Nog niemand beoordeelt Winkels" in mail.body_text
    # The reviewer of another stream doesn't get it.
    assert digest_to("rita@example.org") is None  # nothing in her stream this week


def test_once_someone_is_added_the_managers_no_longer_get_that_stream(app, db, setup, make_user):
    routed(db, setup, "Shop closed early", "retail")
    db.session.add(
        StreamMember(stream_id=setup["streams"]["retail"].id, user_id=setup["reviewer"].id)
    )
    db.session.commit()
    assert setup["streams"]["retail"].id not in services.unstaffed_stream_ids()
    retail = setup["streams"]["retail"].id
    assert retail not in services.digest_recipients().get(setup["manager"].id, [])
    services.send_digests()
    assert "Shop closed early" in digest_to("rita@example.org").body_text
    assert digest_to("maria@example.org") is None


def test_a_manager_who_reviews_a_stream_gets_one_digest(app, db, setup):
    db.session.add(
        StreamMember(stream_id=setup["streams"]["network"].id, user_id=setup["manager"].id)
    )
    db.session.commit()
    routed(db, setup, "No signal", "network")
    routed(db, setup, "Shop closed early", "retail")
    services.send_digests()
    mail = digest_to("maria@example.org")
    assert "No signal" in mail.body_text and "Shop closed early" in mail.body_text
    assert services.send_digests(now=utcnow()) == 0
    assert services.send_digests(now=utcnow() + timedelta(days=7)) >= 1
