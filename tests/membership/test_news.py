"""News: a panel manager writes it in Dutch and English, previews it and sends it once to every
active member, each in their own language; a language left empty reaches its readers marked."""

import threading

import pytest

from panel.mail import OutboxMessage, deliver_outbox
from panel.membership.news import NewsItem
from panel.notifications.models import Notification
from panel.security import Role

from ..conftest import PASSWORD, mail_body

BILINGUAL = {
    "subject_nl": "De chat is live",
    "subject_en": "The chat is live",
    "body_nl": "Dankzij jullie ideeën.\n\nProbeer hem uit.",
    "body_en": "Thanks to your ideas.\n\nTry it.",
}
DUTCH_ONLY = {
    "subject_nl": "Nieuwe testlocatie in Utrecht",
    "subject_en": "",
    "body_nl": "Vanaf januari in Hoog Catharijne.",
    "body_en": "",
}


@pytest.fixture
def manager(make_user):
    return make_user(roles=[Role.PANEL_MANAGER], locale="nl", email="sanne@example.org")


@pytest.fixture
def members(make_member):
    """An English and a Dutch active member, and a paused one who gets nothing."""
    return (
        make_member(locale="en", email="chris@example.org", name="Chris Morgan"),
        make_member(locale="nl", email="lotte@example.org", name="Lotte de Jong"),
        make_member(status="paused", locale="nl", email="pim@example.org"),
    )


def write(client, data):
    response = client.post("/en/manage/news/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return NewsItem.query.order_by(NewsItem.id.desc()).first()


def test_news_in_dutch_only_reaches_english_readers_marked(
    db, client, login_as, manager, members, smtp_server
):
    chris, lotte, _ = members
    login_as(manager)
    item = write(client, DUTCH_ONLY)
    preview = client.get(f"/en/manage/news/{item.id}").get_data(as_text=True)
    assert "Not written in English yet" in preview and "(in Dutch)" in preview
    assert "It goes to 2 active members, once." in preview
    assert client.post(f"/en/manage/news/{item.id}/send").status_code == 302
    db.session.refresh(item)
    assert item.is_sent and item.recipient_count == 2
    client.post("/en/logout")

    login_as(chris.user)
    page = client.get(f"/en/news/{item.id}").get_data(as_text=True)
    assert '<span lang="nl">Nieuwe testlocatie in Utrecht</span>' in page
    assert '<div class="news-body" lang="nl">' in page
    assert "Vanaf januari in Hoog Catharijne." in page
    assert '<small class="fallback">(in Dutch)</small>' in page
    notifications = client.get("/en/notifications").get_data(as_text=True)
    assert (
        'News from the panel: <span lang="nl">Nieuwe testlocatie in Utrecht</span> '
        '<small class="fallback">(in Dutch)</small>'
    ) in notifications

    assert deliver_outbox()[0] == 2
    mails = {envelope.rcpt_tos[0]: mail_body(envelope) for envelope in smtp_server.messages}
    english, dutch = mails["chris@example.org"], mails["lotte@example.org"]
    assert "Hello Chris," in english and "Vanaf januari in Hoog Catharijne." in english
    assert "(in Dutch)" in english and f"/en/news/{item.id}" in english
    assert "Hoi Lotte," in dutch
    assert "Vanaf januari in Hoog Catharijne." in dutch and "(in" not in dutch
    assert f"/nl/news/{item.id}" in dutch
    subjects = {row.to_address: row.subject for row in OutboxMessage.query}
    assert subjects["chris@example.org"].endswith("Nieuwe testlocatie in Utrecht (in Dutch)")


def test_each_member_reads_bilingual_news_in_their_own_language(
    db, client, login_as, manager, members
):
    chris, lotte, paused = members
    login_as(manager)
    item = write(client, BILINGUAL)
    client.post(f"/en/manage/news/{item.id}/send")
    client.post("/en/logout")
    notified = {n.user_id for n in Notification.query.filter_by(kind="panel_news")}
    assert notified == {chris.user_id, lotte.user_id}
    for member, lang, subject, other in (
        (chris, "en", "The chat is live", "De chat is live"),
        (lotte, "nl", "De chat is live", "The chat is live"),
    ):
        login_as(member.user)
        listing = client.get(f"/{lang}/notifications").get_data(as_text=True)
        assert subject in listing and other not in listing
        page = client.get(f"/{lang}/news/{item.id}").get_data(as_text=True)
        assert subject in page and other not in page and 'class="fallback"' not in page
        client.post(f"/{lang}/logout")
    mails = {row.to_address: row for row in OutboxMessage.query}
    assert set(mails) == {"chris@example.org", "lotte@example.org"}
    assert "Thanks to your ideas." in mails["chris@example.org"].body_text
    assert "<p>Dankzij jullie ideeën.</p><p>Probeer hem uit.</p>" in (
        mails["lotte@example.org"].body_html
    )


def test_half_written_news_is_refused_and_keeps_what_was_typed(db, client, login_as, manager):
    login_as(manager)
    page = client.post("/en/manage/news/new", data=dict(BILINGUAL, body_en="")).get_data(
        as_text=True
    )
    assert "Write both the subject and the text in English, or leave both empty." in page
    assert "Dankzij jullie ideeën." in page and "The chat is live" in page
    page = client.post(
        "/en/manage/news/new",
        data={"subject_nl": "", "subject_en": "", "body_nl": "", "body_en": ""},
    ).get_data(as_text=True)
    assert "Write the subject and the text in at least one language." in page
    assert NewsItem.query.count() == 0


def test_sent_news_is_listed_paged_and_can_no_longer_change(db, client, login_as, manager, members):
    login_as(manager)
    item = write(client, BILINGUAL)
    draft = write(client, DUTCH_ONLY)
    client.post(f"/en/manage/news/{item.id}/send")
    listing = client.get("/en/manage/news").get_data(as_text=True)
    assert "The chat is live" in listing and "Nieuwe testlocatie in Utrecht" in listing
    response = client.post(f"/en/manage/news/{item.id}/edit", data=DUTCH_ONLY)
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.subject_en == "The chat is live"
    assert client.post(f"/en/manage/news/{item.id}/send").status_code == 302
    assert Notification.query.filter_by(kind="panel_news").count() == 2
    # A draft is nobody's news yet.
    client.post("/en/logout")
    login_as(members[0].user)
    assert client.get(f"/en/news/{draft.id}").status_code == 404
    assert client.get("/en/manage/news").status_code == 403


def test_two_sends_at_once_send_once(app, db, manager, members):
    item = NewsItem(**BILINGUAL, created_by_id=manager.id)
    db.session.add(item)
    db.session.commit()
    url = f"/en/manage/news/{item.id}/send"
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.post("/en/login", data={"email": manager.email, "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    codes, errors = [], []

    def send(client):
        barrier.wait()
        try:
            codes.append(client.post(url).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and codes == [302] * 4
    db.session.expire_all()
    assert Notification.query.filter_by(kind="panel_news").count() == 2
    assert OutboxMessage.query.filter_by(kind="panel_news").count() == 2
    assert NewsItem.query.one().recipient_count == 2
