"""A feedback post reads the member's response once (locked, by save_response), not once in the
view and again in the service; a form sent with a mistake still says it was answered before."""

from tests.feedback.conftest import answer


def response_reads(queries):
    return [
        s
        for s in queries.statements
        if s.upper().startswith("SELECT") and "FROM feedback_responses" in s
    ]


def test_a_post_reads_the_response_once_and_keeps_its_statements(
    client, db, make_release, make_member, login_as, count_queries
):
    release = make_release()
    member = make_member()
    login_as(member.user)
    change_ids = [change.id for change in release.changes]
    ratings = {f"change_{change_ids[0]}": "4", f"change_{change_ids[1]}": "not_used"}

    with count_queries() as first:
        assert answer(client, release, 7, improve_text="Sneller", **ratings).status_code == 302
    with count_queries() as edit:
        assert answer(client, release, 9, improve_text="Nog sneller", **ratings).status_code == 302

    assert len(response_reads(first)) == 1, first
    assert len(response_reads(edit)) == 1, edit
    # Login, release, its changes, the member's lock, the response with its ratings; the
    # response, its ratings, the two kinds of counts and the member's last activity written.
    assert edit.count <= 11, edit
    page = client.get(f"/en/feedback/{release.id}").get_data(as_text=True)
    assert "Nog sneller" in page and "You already answered" in page


def test_a_post_with_a_mistake_keeps_the_words_and_says_it_was_answered(
    client, db, make_release, make_member, login_as
):
    release = make_release()
    member = make_member()
    login_as(member.user)
    assert answer(client, release, 7).status_code == 302

    page = client.post(
        f"/en/feedback/{release.id}", data={"score": "11", "improve_text": "Donkere modus"}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Donkere modus" in text and "You already answered" in text
