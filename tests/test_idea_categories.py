"""A round's categories (issue 15): the owner keeps a short bilingual list, panelists file each
idea under one, the card shows it in the reader's language and the list filters by it."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import re
import threading

import pytest

from panel.rounds import categories, services
from panel.rounds.models import Idea, IdeaCategory
from panel.security import Role
from tests.conftest import PASSWORD
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


def add(round_, name_nl, name_en):
    category = categories.add_category(round_, name_nl, name_en)
    IdeaCategory.query.session.commit()
    return category


def names(round_):
    return [(c.name_nl, c.name_en) for c in categories.categories_of(round_)]


def test_the_owner_adds_renames_reorders_and_removes(client, db, round_, owner, login_as):
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}/categories"
    page = client.get(base).get_data(as_text=True)
    assert "No categories yet" in page
    for nl, en in (("Netwerk", "Network"), ("App", "App"), ("Prijzen", "Prices")):
        response = client.post(base, data={"new-name_nl": nl, "new-name_en": en})
        assert response.status_code == 302
    assert names(round_) == [("Netwerk", "Network"), ("App", "App"), ("Prijzen", "Prices")]
    # Both languages are needed; what was typed stays.
    response = client.post(base, data={"new-name_nl": "Winkels", "new-name_en": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Winkels"' in page
    assert "Please fill this in." in page and len(names(round_)) == 3
    prices = IdeaCategory.query.filter_by(name_en="Prices").one()
    client.post(f"{base}/{prices.id}/up")
    assert [en for _, en in names(round_)] == ["Network", "Prices", "App"]
    client.post(f"{base}/{prices.id}/up")
    client.post(f"{base}/{prices.id}/up")  # already first: nothing changes
    assert [en for _, en in names(round_)] == ["Prices", "Network", "App"]
    response = client.post(
        f"{base}/{prices.id}",
        data={f"c{prices.id}-name_nl": "Tarieven", f"c{prices.id}-name_en": "Rates"},
    )
    assert response.status_code == 302 and names(round_)[0] == ("Tarieven", "Rates")
    app_category = IdeaCategory.query.filter_by(name_en="App").one()
    client.post(f"{base}/{app_category.id}/remove")
    assert [en for _, en in names(round_)] == ["Rates", "Network"]


def test_a_renamed_category_with_an_empty_name_keeps_the_typing(
    client,
    db,
    round_,
    owner,
    login_as,
):
    category = add(round_, "Netwerk", "Network")
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/categories/{category.id}",
        data={f"c{category.id}-name_nl": "Netwerk en dekking", f"c{category.id}-name_en": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Netwerk en dekking"' in page and "Please fill this in." in page
    db.session.refresh(category)
    assert category.name_nl == "Netwerk"


def test_a_used_category_cannot_be_removed(client, db, round_, owner, make_member, login_as):
    category = add(round_, "Netwerk", "Network")
    idea = services.post_idea(round_, make_member(), "Beter bereik", "Op het platteland")
    categories.file_idea(idea, category.id)
    db.session.commit()
    login_as(owner)
    page = client.get(f"/en/owner/rounds/{round_.id}/categories").get_data(as_text=True)
    assert "1 idea is filed under it, so it stays." in page
    response = client.post(
        f"/en/owner/rounds/{round_.id}/categories/{category.id}/remove", follow_redirects=True
    )
    assert "Ideas are filed under this category, so it can" in response.get_data(as_text=True)
    assert IdeaCategory.query.count() == 1


def test_at_most_twelve_categories(client, db, round_, owner, login_as):
    for k in range(12):
        add(round_, f"Categorie {k}", f"Category {k}")
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}/categories"
    assert "Add a category" not in client.get(base).get_data(as_text=True)
    response = client.post(
        base, data={"new-name_nl": "Nog een", "new-name_en": "One more"}, follow_redirects=True
    )
    assert "A round has at most 12 categories." in response.get_data(as_text=True)
    assert IdeaCategory.query.count() == 12


@pytest.mark.parametrize("who", ["other_owner", "panelist"])
def test_only_the_rounds_owner_manages_its_categories(
    client, db, round_, make_user, make_member, login_as, who
):
    category = add(round_, "Netwerk", "Network")
    user = make_user(roles=[Role.PRODUCT_OWNER]) if who == "other_owner" else make_member().user
    login_as(user)
    base = f"/en/owner/rounds/{round_.id}/categories"
    assert client.get(base).status_code == 403
    assert client.post(base, data={"new-name_nl": "X", "new-name_en": "X"}).status_code == 403
    assert client.post(f"{base}/{category.id}/remove").status_code == 403
    assert IdeaCategory.query.count() == 1


def test_panelists_pick_a_category_and_the_list_filters_by_it(
    client,
    db,
    round_,
    make_round,
    make_member,
    login_as,
):
    network = add(round_, "Netwerk", "Network")
    app_category = add(round_, "App", "App")
    elsewhere = add(make_round(stage="idea"), "Elders", "Elsewhere")
    member = make_member(locale="nl")
    login_as(member.user)
    url = f"/nl/rounds/{round_.id}/ideas"
    form = client.get(f"/nl/rounds/{round_.id}").get_data(as_text=True)
    assert ">Kies een categorie</option>" in form
    # Required in a round with categories: the form again, nothing typed lost.
    response = client.post(url, data={"title": "Beter bereik", "body": "Op het platteland"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and Idea.query.count() == 0
    assert 'value="Beter bereik"' in page and "Op het platteland" in page
    assert "Kies de categorie die het best bij je idee past." in page
    # Another round's category is no choice here.
    client.post(
        url,
        data={"title": "Beter bereik", "body": "Op het platteland", "category_id": elsewhere.id},
    )
    assert Idea.query.count() == 0
    client.post(
        url, data={"title": "Beter bereik", "body": "Op het platteland", "category_id": network.id}
    )
    client.post(
        url, data={"title": "Widget", "body": "Op mijn scherm", "category_id": app_category.id}
    )
    assert {i.title: i.category_id for i in Idea.query} == {
        "Beter bereik": network.id,
        "Widget": app_category.id,
    }
    dutch = client.get(f"/nl/rounds/{round_.id}?category={network.id}").get_data(as_text=True)
    assert "Beter bereik" in dutch and "Widget" not in dutch
    assert '<span class="tag tag-category">Netwerk</span>' in dutch
    english = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert '<span class="tag tag-category">Network</span>' in english
    # A category of another round is no filter at all.
    other = client.get(f"/en/rounds/{round_.id}?category={elsewhere.id}").get_data(as_text=True)
    assert "Beter bereik" in other and "Widget" in other


def test_a_round_without_categories_asks_for_none(client, db, round_, make_member, login_as):
    login_as(make_member().user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert 'name="category_id"' not in page and 'name="category"' not in page
    client.post(f"/en/rounds/{round_.id}/ideas", data={"title": "Dark mode", "body": "Please"})
    assert Idea.query.one().category_id is None


def test_the_owners_list_filters_by_category_status_and_words(
    client,
    db,
    round_,
    owner,
    make_member,
    login_as,
):
    network = add(round_, "Netwerk", "Network")
    author = make_member()
    filed = services.post_idea(round_, author, "Beter bereik", "x")
    categories.file_idea(filed, network.id)
    services.post_idea(round_, author, "Donkere modus", "y")
    db.session.commit()
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}"
    page = client.get(f"{base}?category={network.id}").get_data(as_text=True)
    assert "Beter bereik" in page and "Donkere modus" not in page
    assert "1 idea found" in page
    page = client.get(f"{base}?q=donker").get_data(as_text=True)
    assert "Donkere modus" in page and "Beter bereik" not in page
    assert re.search(r'stat-value">2<', page)  # the round's total stays in the figures


def race_once(app, round_, category, owner, member, title):
    """The owner removes `category` while `member` posts an idea filed under it, both released
    by one barrier; the two responses."""
    owner_client, member_client = app.test_client(), app.test_client()
    owner_client.post("/en/login", data={"email": owner.email, "password": PASSWORD})
    member_client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def go(name, client, url, data=None):
        barrier.wait()
        try:
            results[name] = client.post(url, data=data)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [
        threading.Thread(
            target=go,
            args=(
                "remove",
                owner_client,
                f"/en/owner/rounds/{round_.id}/categories/{category.id}/remove",
            ),
        ),
        threading.Thread(
            target=go,
            args=(
                "post",
                member_client,
                f"/en/rounds/{round_.id}/ideas",
                {"title": title, "body": "x", "category_id": category.id},
            ),
        ),
    ]
    app.config["RACE_DELAY"] = 0.05
    try:
        [thread.start() for thread in threads]
        [thread.join(timeout=60) for thread in threads]
    finally:
        app.config["RACE_DELAY"] = 0
    assert errors == []
    return results["remove"], results["post"]


def test_removing_a_category_while_an_idea_is_filed_under_it(
    app,
    db,
    round_,
    owner,
    make_member,
):
    """Race: the owner removes a category at the moment a panelist files an idea under it.
    Either the idea is filed and the category stays, or the category goes and the panelist
    gets the form back with what they typed; never an error or an idea in a removed category."""
    for attempt in range(3):
        category = add(round_, f"Netwerk {attempt}", f"Network {attempt}")
        category_id, title = category.id, f"Bereik {attempt}"
        removed, posted = race_once(app, round_, category, owner, make_member(), title)
        db.session.rollback()
        assert removed.status_code == 302
        still_there = db.session.get(IdeaCategory, category_id) is not None
        idea = Idea.query.filter_by(title=title).one_or_none()
        if still_there:
            assert idea is not None and idea.category_id == category_id
            assert posted.status_code == 302
        else:
            assert idea is None and posted.status_code == 200
            assert f'value="{title}"' in posted.get_data(as_text=True)
