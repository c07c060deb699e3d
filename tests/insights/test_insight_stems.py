"""Another form of a word finds an insight, as in triage (its Dutch and English stems): in the
list of insights, in the "Add to insight" picker and in a reviewer's inbox (issue 16, item 7)."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

from panel.insights import services
from panel.security import Role

from .test_inbox_streams import owner, reviewer, routed, streams  # noqa: F401 (fixtures)
from .test_insights import make_panel_evidence


def test_rekeningen_finds_rekening_in_the_list_the_picker_and_the_inbox(
    client, db, streams, reviewer, owner, make_member, login_as
):
    routed(db, owner, "Rekening komt te laat", streams["billing"])
    routed(db, owner, "Slecht bereik in de trein", streams["billing"])
    # The list of insights.
    login_as(owner)
    page = client.get("/nl/insights/?q=rekeningen").get_data(as_text=True)
    assert "Rekening komt te laat" in page and "Slecht bereik" not in page
    page = client.get("/en/insights/?q=treinen+slechte").get_data(as_text=True)
    assert "Slecht bereik in de trein" in page and "Rekening komt" not in page
    # The picker, for a contribution.
    _members, responses = make_panel_evidence(
        db, {"owner": owner}, make_member, "Mijn factuur klopt niet"
    )
    url = f"/nl/insights/pick?item=response:{responses[0].id}&q=rekeningen"
    page = client.get(url).get_data(as_text=True)
    assert "Rekening komt te laat" in page.split('id="pick-results"')[1]
    assert "Slecht bereik" not in page.split('id="pick-results"')[1]
    # A reviewer's inbox.
    login_as(reviewer)
    page = client.get("/nl/insights/inbox?q=rekeningen").get_data(as_text=True)
    assert "Rekening komt te laat" in page and "Slecht bereik" not in page


def test_stems_in_the_merge_search(client, db, streams, owner, login_as, make_user):
    bill = routed(db, owner, "Factuur is onduidelijk", streams["billing"])
    other = routed(db, owner, "Bereik", streams["network"])
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    page = client.get(f"/en/insights/{other.id}/merge?q=facturen").get_data(as_text=True)
    assert "Factuur is onduidelijk" in page and f'value="{bill.id}"' in page


def test_two_colleagues_renaming_an_insight_at_once_leave_one_index_entry(app, db, owner):
    """The index entry is written per flush (an upsert on PostgreSQL): two saves at once of the
    same insight end with one entry, holding the words of the save that committed last."""
    import threading

    from panel.extensions import db as _db
    from panel.insights.insight_search import matching_ids
    from panel.insights.models import Insight

    insight = services.create_insight("Rekening", "", "", [], owner)
    db.session.commit()
    insight_id = insight.id  # read here: the threads don't touch this session
    barrier = threading.Barrier(2)
    errors = []

    def rename(title):
        with app.app_context():
            try:
                barrier.wait()
                row = _db.session.get(Insight, insight_id)
                row.title_nl = title
                _db.session.flush()
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - any error fails the test
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=rename, args=(t,)) for t in ("Facturen", "Storingen")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()  # a fresh read (SQLite: past the snapshot the id was read in)
    title = db.session.get(Insight, insight_id).title_nl
    found = {word: set(db.session.scalars(matching_ids(word))) for word in ("factuur", "storing")}
    assert errors == []
    assert found[{"Facturen": "factuur", "Storingen": "storing"}[title]] == {insight_id}
    assert sum(len(ids) for ids in found.values()) == 1
    assert set(db.session.scalars(matching_ids("rekening"))) == set()
