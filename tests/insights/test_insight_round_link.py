"""An insight's "From the round" leads each viewer to a page they may open: the round's own page
for whoever runs it, the panelists' page for a panelist of it, plain text for other staff (it was
a link to the panelists' page, a 404 for staff who aren't members)."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import re

from panel.insights import services
from panel.insights.models import Stream, StreamMember
from panel.security import Role
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)


def round_part(page):
    return page.split("From the round", 1)[1].split("</p>", 1)[0]


def test_from_the_round_links_only_where_the_viewer_may_go(
    client, db, make_round, owner, make_user, make_member, login_as
):
    round_ = make_round()
    insight = services.create_insight("", "Slow app", "", [], owner, round_id=round_.id)
    billing = Stream.query.filter_by(slug="billing").one()
    services.add_route(insight, billing, owner)
    reviewer = make_user(roles=[Role.REVIEWER])
    db.session.add(StreamMember(stream_id=billing.id, user_id=reviewer.id))
    db.session.commit()
    url = f"/en/insights/{insight.id}"
    expected = {
        owner: f"/en/owner/rounds/{round_.id}",
        make_user(roles=[Role.PANEL_MANAGER]): f"/en/owner/rounds/{round_.id}",
        make_user(roles=[Role.PRODUCT_OWNER]): None,  # another owner's round, not a member
        reviewer: None,
    }
    for user, link in expected.items():
        login_as(user)
        part = round_part(client.get(url).get_data(as_text=True))
        assert "Better app" in part
        hrefs = re.findall(r'href="([^"]+)"', part)
        assert hrefs == ([link] if link else []), user.roles
        for href in hrefs:
            assert client.get(href).status_code == 200
