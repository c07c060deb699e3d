"""A reset request does the same database work for a known and an unknown address: the same
statements in the same order (an outbox row either way), so neither the answer's time nor its
work tells whether an account exists. The unknown address's row is never sent."""

import html

from panel.mail import DISCARDED, OutboxMessage, deliver_outbox


def forgot(client, count_queries, email):
    with count_queries() as queries:
        response = client.post("/en/password/forgot", data={"email": email})
    assert response.status_code == 302
    return queries.statements


def test_known_and_unknown_addresses_issue_the_same_statements(
    client, db, make_user, count_queries
):
    user = make_user(locale="en")
    forgot(client, count_queries, "warm-up@example.org")  # first-request work out of the way
    known = forgot(client, count_queries, user.email)
    unknown = forgot(client, count_queries, "nobody@example.org")
    assert known == unknown, "\n".join(known) + "\n--\n" + "\n".join(unknown)
    assert any(statement.startswith("INSERT INTO outbox_messages") for statement in known)


def test_the_unknown_address_row_is_never_sent_and_goes(client, db, make_user, smtp_server):
    user = make_user(locale="en")
    client.post("/en/password/forgot", data={"email": "nobody@example.org"})
    client.post("/en/password/forgot", data={"email": user.email})
    assert OutboxMessage.query.filter_by(status=DISCARDED).count() == 1
    assert deliver_outbox() == (1, 0)
    assert [envelope.rcpt_tos for envelope in smtp_server.messages] == [[user.email]]
    assert OutboxMessage.query.filter_by(status=DISCARDED).count() == 0
    assert "nobody@example.org" not in str(
        [(m.to_address, m.body_text) for m in OutboxMessage.query]
    )


def test_the_admin_outbox_does_not_list_discarded_rows(client, db, make_user, login_as):
    from panel.security import Role

    client.post("/en/password/forgot", data={"email": "nobody@example.org"})
    subject = OutboxMessage.query.filter_by(status=DISCARDED).one().subject
    login_as(make_user(roles=[Role.ADMIN], locale="en"))
    page = html.unescape(client.get("/en/admin/outbox").get_data(as_text=True))
    assert subject not in page and "(erased)" not in page
