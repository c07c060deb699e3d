"""Answering a route a merge took away (issue 16): the reviewer had the duplicate's route open
when it was merged into the kept insight's route in the same stream. No error page: they land on
the kept route's page, told so in their language, with what they wrote still in the form and
nothing published; also when the merge comes between loading the route and publishing, and for
the "close as shipped" form."""

import html
import threading

import pytest

from panel.extensions import db as _db
from panel.feedback.models import Release
from panel.i18n import speaking
from panel.insights import inbox_views, manage, services
from panel.insights.models import Insight, Route
from panel.notifications.models import Notification
from panel.shipped import links

from . import test_merge_answers as base

setup, panelists = base.setup, base.panelists
TITLES = {"nl": "Factuur onduidelijk", "en": "Invoice unclear"}


@pytest.fixture
def merged_pair(db, setup, panelists):
    """(kept, duplicate, the duplicate's billing route id, the kept billing route id): both in
    billing, each resting on one panelist."""
    people = panelists("nl", "en")
    evidence = [[("response", response.id)] for _member, response in people]
    kept = services.create_insight(
        TITLES["nl"], TITLES["en"], "", [], setup["owner"], evidence=evidence[0]
    )
    duplicate = services.create_insight(
        "De factuur", "The invoice", "", [], setup["owner"], evidence=evidence[1]
    )
    db.session.commit()
    return (
        kept,
        duplicate,
        base.route_in(duplicate, "billing").id,
        base.route_in(kept, "billing").id,
    )


def message(text, lang):
    with speaking(lang):
        return html.escape(str(text) % {"title": TITLES[lang]}, quote=False)


def sent(duplicate, old_id, **fields):
    route = _db.session.get(Route, old_id)
    return dict(fields, insight=str(duplicate.id), stream=str(route.stream_id))


def nothing_published(kept_route_id):
    _db.session.rollback()
    assert _db.session.get(Route, kept_route_id).answered_at is None
    assert Notification.query.filter_by(kind="insight_answer").count() == 0


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_answer_sent_after_the_merge_lands_on_the_kept_route_with_its_words(
    client, db, setup, merged_pair, login_as, lang
):
    kept, duplicate, old_id, new_id = merged_pair
    login_as(setup["reviewer"])
    page = client.get(f"/{lang}/insights/inbox/{old_id}").get_data(as_text=True)
    assert f'name="insight" value="{duplicate.id}"' in page
    data = sent(
        duplicate, old_id, action="answer", answer_nl="Mijn antwoord", answer_en="My answer"
    )
    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()

    response = client.post(f"/{lang}/insights/inbox/{old_id}", data=data)

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message(inbox_views.MERGED_AWAY, lang) in text
    assert "Mijn antwoord</textarea>" in text and "My answer</textarea>" in text
    # Sent again, it goes to the kept route (its page, its forms).
    assert f'action="/{lang}/insights/inbox/{new_id}"' in text
    assert f'action="/{lang}/insights/inbox/{old_id}"' not in text
    nothing_published(new_id)


def test_an_answer_the_merge_overtakes_before_it_is_published_is_not_lost(
    app, client, db, setup, merged_pair, login_as, monkeypatch
):
    """The route is there when the page is sent, gone when the answer takes its lock."""
    kept, duplicate, old_id, new_id = merged_pair
    ids = {"kept": kept.id, "duplicate": duplicate.id, "owner": setup["owner"].id}
    login_as(setup["reviewer"])
    data = sent(duplicate, old_id, action="answer", answer_nl="Mijn antwoord", answer_en="Mine")
    real_lock = services.lock_insight_of

    def merge_first(route):
        def merge():
            with app.app_context():
                manage.merge_insights(
                    _db.session.get(Insight, ids["duplicate"]),
                    _db.session.get(Insight, ids["kept"]),
                    _db.session.get(type(setup["owner"]), ids["owner"]),
                )
                _db.session.commit()
                _db.session.remove()

        thread = threading.Thread(target=merge)
        thread.start()
        thread.join(timeout=30)
        return real_lock(route)

    monkeypatch.setattr(services, "lock_insight_of", merge_first)
    response = client.post(f"/en/insights/inbox/{old_id}", data=data)
    monkeypatch.undo()

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message(inbox_views.MERGED_AWAY, "en") in text
    assert "Mijn antwoord</textarea>" in text and "Mine</textarea>" in text
    assert f'action="/en/insights/inbox/{new_id}"' in text
    db.session.rollback()
    assert db.session.get(Route, old_id) is None  # merged away indeed
    nothing_published(new_id)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("unlinked_since", [False, True])
def test_closing_as_shipped_after_the_merge_says_what_happened(
    client, db, setup, merged_pair, login_as, lang, unlinked_since
):
    """The merge hands the duplicate's shipped changes to the kept insight, so its route can be
    closed as shipped in the same release: that page is shown with the words kept. If the
    change was unlinked from the kept insight since, the page says nothing was saved."""
    kept, duplicate, old_id, new_id = merged_pair
    release = Release.query.one()
    links.link_insight(release.changes[0], duplicate, setup["owner"])
    db.session.commit()
    login_as(setup["reviewer"])
    page = client.get(f"/{lang}/insights/inbox/{old_id}").get_data(as_text=True)
    assert 'value="shipped"' in page
    data = sent(duplicate, old_id, action="shipped", release=str(release.id), note_nl="Fijn!")
    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()
    if unlinked_since:
        links.unlink_insight(release.changes[0], kept, setup["owner"])
        db.session.commit()

    response = client.post(f"/{lang}/insights/inbox/{old_id}", data=data)

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if unlinked_since:
        assert message(inbox_views.MERGED_AWAY_NOT_KEPT, lang) in text
    else:
        assert message(inbox_views.MERGED_AWAY, lang) in text
        assert "Fijn!</textarea>" in text
    db.session.rollback()
    assert db.session.get(Route, new_id).shipped_release_id is None
    nothing_published(new_id)


def test_a_route_that_was_never_there_is_still_a_404(client, db, setup, merged_pair, login_as):
    _kept, duplicate, _old_id, _new_id = merged_pair
    login_as(setup["reviewer"])
    response = client.post(
        "/en/insights/inbox/999999",
        data={"action": "answer", "answer_en": "x", "insight": duplicate.id, "stream": 1},
    )
    assert response.status_code == 404
