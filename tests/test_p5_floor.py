"""The floor: /healthz pays for nothing but its own check, and without a ping before every
checkout a connection the database dropped still fails one request at most."""

import pytest
from sqlalchemy import event

from tests.conftest import POSTGRES_URL


def test_healthz_answers_without_committing_anything(app, client, db):
    commits = []

    def count_commit(connection):
        commits.append(connection)

    event.listen(db.engine, "commit", count_commit)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(db.engine, "commit", count_commit)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": True}
    assert commits == []


@pytest.mark.skipif(not POSTGRES_URL, reason="a SQLite file has no server to drop a connection")
def test_a_dropped_connection_fails_one_request_at_most(app, client, db):
    assert client.get("/healthz").status_code == 200
    with db.engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        connection.commit()
    statuses = [client.get("/healthz").status_code for _ in range(3)]
    # The first request may meet the dropped connection (503); the pool then discards it and
    # every other connection of the worker, so nothing after it fails.
    assert statuses[0] in (200, 503)
    assert statuses[1:] == [200, 200]
