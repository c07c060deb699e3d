"""The floor: /healthz pays for nothing but its own check, and a connection the database dropped
fails no request (the ping before every checkout replaces it)."""

import psycopg
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
def test_a_dropped_connection_fails_no_request(app, client, db):
    """A database restart or failover drops every connection; the next requests still answer,
    because each pooled connection is pinged before use and replaced when it is dead."""
    assert client.get("/healthz").status_code == 200
    assert client.get("/nl/").status_code == 200
    # From outside the app's pool (its own idle connection would otherwise be the one asking).
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as outside:
        killed = outside.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/nl/").status_code == 200
