"""Zero gets its own wording on the workbench's pages (LANGUAGE.md rule 9): no '0 insights',
'0 contributions', 'routed to 0 streams' or 'rests on 0 contributions', in either language."""

from panel.insights import services
from panel.security import Role
from tests.conftest import csrf_token_from

from .test_insights import make_panel_evidence


def test_zero_counts_have_their_own_words(client, db, make_user, make_member, login_as):
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    services.create_insight("Bereik", "Coverage", "", [], owner)
    empty = services.create_insight("Leeg", "Empty", "", [], owner)
    db.session.commit()
    login_as(owner)
    # The list, with nothing matching.
    page = client.get("/nl/insights/?q=zzzz").get_data(as_text=True)
    assert "Geen inzichten" in page and "0 inzichten" not in page
    # The picker's search, with nothing matching.
    _members, responses = make_panel_evidence(db, {"owner": owner}, make_member, "Trage app")
    page = client.get(f"/nl/insights/pick?item=response:{responses[0].id}&q=zzzz")
    html = page.get_data(as_text=True)
    assert "Geen inzichten met ‘zzzz’" in html and "0 inzichten" not in html
    # The merge search lists an insight without contributions as such.
    other = services.create_insight("Ander", "Other", "", [], owner)
    db.session.commit()
    page = client.get(f"/en/insights/{other.id}/merge?q=empty").get_data(as_text=True)
    assert "no contributions yet" in page and "0 contributions" not in page
    # Merging two insights without contributions.
    page = client.get(f"/nl/insights/{other.id}/merge?q=empty")
    response = client.post(
        f"/nl/insights/{other.id}/merge",
        data={"kept_id": empty.id, "confirm": "1", "csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Samengevoegd met ‘Leeg’." in html and "0 bijdragen" not in html
    # A new insight no rule sends anywhere.
    page = client.get("/nl/insights/new")
    response = client.post(
        "/nl/insights/new",
        data={"title_nl": "Niets", "csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Het inzicht is opgeslagen. Geen enkele regel heeft het naar een stream gestuurd." in (
        html
    )
    assert "0 streams" not in html
