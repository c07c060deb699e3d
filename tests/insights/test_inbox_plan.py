"""The stream inbox at volume (issue 13): open routes are read in due-date order from the
partial index ix_routes_open_due, not all sorted to show one page."""

import itertools

from sqlalchemy import event

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.security import Role
from tests.test_query_budgets import Rows


def test_the_inbox_reads_open_routes_in_due_order_from_the_partial_index(
    db, client, make_user, login_as
):
    seed_default_streams()
    db.session.commit()
    rows = Rows(db.session)
    stream_ids = [s.id for s in Stream.query.order_by(Stream.position)]
    reviewer = make_user(roles=[Role.REVIEWER])
    rows.add(StreamMember, [{"stream_id": s, "user_id": reviewer.id} for s in stream_ids])
    for status in ("new", "answered"):
        insights = rows.insights(60)
        rows.routes(insights, itertools.islice(itertools.cycle(stream_ids), 60), status=status)
    # With statistics, as `flask panel demo` leaves them and a maintained database has them.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    login_as(reviewer)
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM routes" in statement and "ORDER BY routes.due_at" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        response = client.get("/en/insights/inbox")
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    assert response.status_code == 200
    ((statement, parameters),) = seen
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        if connection.dialect.name == "postgresql":
            # Too few rows for the planner to bother: ask it for its plan without a full scan
            # or a sort, which it can only give with an index that holds open routes by due date.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
            cursor.execute("SET enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = " ".join(str(row) for row in cursor.fetchall())
        cursor.close()
    assert "ix_routes_open_due" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort " not in plan, plan
