"""A stream counts as staffed only while a member can work it: an enabled account that still has
the reviewer role. Otherwise its items go to the managers' digest and the pages flag it."""

import pytest

from panel.accounts.models import UserRole
from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.insights import services
from panel.insights.models import RoutingRule
from panel.security import Role


@pytest.fixture
def billing(db, make_user):
    seed_default_streams()
    stream = Stream.query.filter_by(slug="billing").one()
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.add(StreamMember(stream_id=stream.id, user_id=rita.id))
    db.session.commit()
    return stream, rita


def lose_work(db, rita, how):
    if how == "disabled":
        rita.is_enabled = False
    else:
        UserRole.query.filter_by(user_id=rita.id).delete()
    db.session.commit()


@pytest.mark.parametrize("how", ["disabled", "no_role"])
def test_a_stream_whose_only_reviewer_cannot_work_is_without_reviewers(db, billing, make_user, how):
    stream, rita = billing
    manager = make_user(roles=[Role.PANEL_MANAGER])
    assert stream.id not in services.unstaffed_stream_ids()
    lose_work(db, rita, how)
    assert stream.id in services.unstaffed_stream_ids()
    assert stream.id not in services.reviewer_counts()
    recipients = services.digest_recipients()
    assert stream.id in recipients[manager.id] and rita.id not in recipients
    assert rita not in services.stream_reviewers([stream.id])


@pytest.mark.parametrize("how", ["disabled", "no_role"])
def test_the_setup_and_metrics_pages_flag_it(client, db, billing, make_user, login_as, how):
    stream, rita = billing
    login_as(make_user(roles=[Role.PANEL_MANAGER, Role.ADMIN]))
    lose_work(db, rita, how)
    setup = client.get("/en/insights/setup/streams").get_data(as_text=True)
    row = setup.split(stream.name_en, 1)[1].split("</tr>", 1)[0]
    assert "Rita" in row and "No reviewers" in row
    assert ("account disabled" if how == "disabled" else "no longer a reviewer") in row
    edit = client.get(f"/en/insights/setup/streams/{stream.id}").get_data(as_text=True)
    assert "No reviewers:" in edit
    metrics = client.get("/en/insights/streams").get_data(as_text=True)
    row = metrics.split(f"stream={stream.id}", 1)[1].split("</tr>", 1)[0]
    assert "no reviewers" in row


@pytest.mark.parametrize("how", ["disabled", "no_role"])
def test_routing_an_insight_to_it_warns_that_nobody_reads_it(
    client, db, billing, make_user, login_as, how
):
    """Making, editing, tagging or routing an insight by hand warns of such a stream (the same
    rule as the digest): here by hand and in the edit page's routing preview."""
    stream, rita = billing
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    db.session.add(RoutingRule(position=10, name="Bills", keywords="invoice", streams=[stream]))
    first, second = (services.create_insight("", title, "", [], owner) for title in "AB")
    db.session.commit()
    login_as(owner)
    warning, preview_warning = "Nobody reads the inbox of Billing", "Nobody reads this stream"

    def route_by_hand(insight):
        return client.post(
            f"/en/insights/{insight.id}/routes",
            data={"stream_id": stream.id},
            follow_redirects=True,
        ).get_data(as_text=True)

    def preview(insight):
        data = {"title_nl": "", "title_en": "Invoice", "description": "", "action": "preview"}
        return client.post(f"/en/insights/{insight.id}/edit", data=data).get_data(as_text=True)

    assert warning not in route_by_hand(first)
    assert "Billing" in preview(second) and preview_warning not in preview(second)
    lose_work(db, rita, how)
    assert preview_warning in preview(second)
    assert warning in route_by_hand(second)
