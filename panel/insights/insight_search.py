"""Finding insights by their words: the list's search, the inbox's search, the "Add to insight"
picker and its suggestions.

Words are found like triage finds contributions (panel/insights/triage.py, whose functions this
uses): the index holds every word of the Dutch and the English title and of the description,
lower-cased and accent-folded, followed by its Dutch and English Snowball stems
(triage.index_words); a searched word matches a word starting with it ("factu") or, through its
stems, another form of it ("rekeningen" finds "Rekening", "facturen" finds "factuur").

The index is a table `insights_search` on both databases, one entry per insight (made by hand,
outside the models, like the other search indexes): on SQLite an FTS5 table (rowid = the
insight's id; columns title_nl, title_en, description holding the indexed words); on PostgreSQL
a table (insight_id, search) whose tsvector ('simple': the words are folded and stemmed already)
weighs the titles above the description, with a GIN index. Both hold the same tokens.

Kept in step from Python, since neither database can stem: a session event rewrites the entry
of every insight inserted, or whose title or description changed, at each flush (on PostgreSQL
an upsert, so two colleagues saving at once write one entry); a bulk INSERT or UPDATE through the
session is indexed when it commits; loads past the ORM call `rebuild_index()` afterwards (the
volume generator does). `reindex_insight(insight)` rewrites one
entry by hand (it flushes first). Merged insights stay in the index; the queries that should not
offer them filter them out by their column.
"""

import re

from sqlalchemy import DDL, Float, Integer, event, func, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import get_history

from ..extensions import db
from ..rounds.idea_search import STOP_WORDS, fold
from .models import Insight
from .triage import index_words, search_terms, stems

MAX_TERMS = 8
SIMILAR_LIMIT = 5
INDEXED = ("title_nl", "title_en", "description")

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE insights_search USING fts5(title_nl, title_en, description,"
    " tokenize='unicode61 remove_diacritics 2')",
]
POSTGRES_SEARCH = [
    "CREATE TABLE insights_search (insight_id integer PRIMARY KEY"
    " REFERENCES insights (id) ON DELETE CASCADE, search tsvector NOT NULL)",
    "CREATE INDEX ix_insights_search ON insights_search USING gin (search)",
]
for statement in SQLITE_SEARCH:
    event.listen(Insight.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_SEARCH:
    event.listen(Insight.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
event.listen(Insight.__table__, "before_drop", DDL("DROP TABLE IF EXISTS insights_search"))

SQLITE_WRITE = (
    "INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (:id, :title_nl, :title_en, :description)"
)
POSTGRES_WRITE = (
    "INSERT INTO insights_search (insight_id, search) VALUES (:id,"
    " setweight(to_tsvector('simple', CAST(:titles AS text)), 'A')"
    " || setweight(to_tsvector('simple', CAST(:description AS text)), 'B'))"
    " ON CONFLICT (insight_id) DO UPDATE SET search = excluded.search"
)


def entry(insight_id, title_nl, title_en, description):
    """An insight's index entry: its words and their stems, per column."""
    return {
        "id": insight_id,
        "title_nl": index_words(title_nl),
        "title_en": index_words(title_en),
        "description": index_words(description),
    }


def write_entries(connection, entries):
    """Write (or rewrite) index entries on `connection`."""
    if not entries:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(POSTGRES_WRITE),
            [
                {
                    "id": e["id"],
                    "titles": f"{e['title_nl']} {e['title_en']}",
                    "description": e["description"],
                }
                for e in entries
            ],
        )
        return
    connection.execute(
        text("DELETE FROM insights_search WHERE rowid = :id"), [{"id": e["id"]} for e in entries]
    )
    connection.execute(text(SQLITE_WRITE), entries)


def _words_changed(instance):
    return any(get_history(instance, name).has_changes() for name in INDEXED)


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session, flush_context):
    """Index every insight this flush inserted or whose words it changed; drop deleted ones."""
    changed = [i for i in session.new if isinstance(i, Insight)]
    changed += [i for i in session.dirty if isinstance(i, Insight) and _words_changed(i)]
    deleted = [i.id for i in session.deleted if isinstance(i, Insight)]
    if not (changed or deleted):
        return
    connection = session.connection()
    if deleted and connection.dialect.name == "sqlite":  # PostgreSQL: ON DELETE CASCADE
        connection.execute(
            text("DELETE FROM insights_search WHERE rowid = :id"), [{"id": n} for n in deleted]
        )
    write_entries(
        connection,
        [entry(i.id, i.title_nl, i.title_en, i.description) for i in changed if i.id is not None],
    )


PENDING_AFTER = "insights_search_after"  # every insight above this id was bulk inserted
PENDING_IDS = "insights_search_ids"  # insights a bulk UPDATE changed the words of


@event.listens_for(OrmSession, "do_orm_execute")
def _bulk_statement(orm_execute_state):
    """A bulk INSERT of insights (a load, tests), or a bulk UPDATE of their words: indexed when
    the transaction commits (the UPDATE's rows are read before it runs)."""
    state = orm_execute_state
    if not (state.is_insert or state.is_update):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not Insight:
        return
    session = state.session
    if state.is_insert:
        highest = session.execute(select(func.max(Insight.id))).scalar() or 0
        session.info[PENDING_AFTER] = min(session.info.get(PENDING_AFTER, highest), highest)
        return
    values = getattr(state.statement, "_values", None) or {}
    if not {getattr(key, "key", key) for key in values} & set(INDEXED):
        return
    where = state.statement.whereclause
    ids = session.scalars(
        select(Insight.id).where(where) if where is not None else select(Insight.id)
    )
    session.info.setdefault(PENDING_IDS, set()).update(ids)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session):
    if PENDING_AFTER not in session.info and PENDING_IDS not in session.info:
        return
    session.flush()
    after = session.info.pop(PENDING_AFTER, None)
    ids = session.info.pop(PENDING_IDS, set())
    columns = (Insight.id, Insight.title_nl, Insight.title_en, Insight.description)
    rows = []
    if after is not None:
        rows += session.execute(select(*columns).where(Insight.id > after)).all()
    if ids:
        rows += session.execute(select(*columns).where(Insight.id.in_(sorted(ids)))).all()
    write_entries(
        session.connection(), [entry(*row) for row in {row[0]: row for row in rows}.values()]
    )


@event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(PENDING_AFTER, None)
        session.info.pop(PENDING_IDS, None)


def significant_terms(words, limit=MAX_TERMS):
    """The words worth matching on: no stop words, nothing shorter than three letters."""
    terms = [term for term in re.findall(r"[^\W_]+", fold(words)) if 3 <= len(term) <= 40]
    return [term for term in dict.fromkeys(terms) if term not in STOP_WORDS][:limit]


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _query_text(groups, any_term=False):
    """The search in the index's own syntax (only folded letters and digits reach it): each
    searched word as the start of a word or, through its stems, exactly; all of them, or
    (any_term) one."""
    if _is_postgresql():
        joiner = " | " if any_term else " & "
        return joiner.join(
            "(" + " | ".join([term + ":*", *stem_list]) + ")" for term, stem_list in groups
        )
    joiner = " OR " if any_term else " AND "
    return joiner.join(
        "(" + " OR ".join([f'"{term}"*', *(f'"{s}"' for s in stem_list)]) + ")"
        for term, stem_list in groups
    )


def _ranked(groups):
    """A subquery (insight_id, rank) of the index entries having one of the words, the best
    match with the lowest rank (titles weigh more than the description)."""
    if _is_postgresql():
        sql = (
            "SELECT insight_id, -ts_rank(search, to_tsquery('simple', :similar_words)) AS rank"
            " FROM insights_search WHERE search @@ to_tsquery('simple', :similar_words)"
        )
    else:
        sql = (
            "SELECT rowid AS insight_id, bm25(insights_search, 2.0, 2.0, 1.0) AS rank"
            " FROM insights_search WHERE insights_search MATCH :similar_words"
        )
    return (
        text(sql)
        .bindparams(similar_words=_query_text(groups, any_term=True))
        .columns(insight_id=Integer, rank=Float)
        .subquery()
    )


def matching_ids(q):
    """A select of Insight.id whose title (Dutch or English) or description has every word of
    `q`: as a word or the start of one, or another form of it (its Dutch or English stem),
    accents ignored. No words: every insight."""
    groups = search_terms(q)
    if not groups:
        return select(Insight.id)
    if _is_postgresql():
        column, where = "insight_id", "search @@ to_tsquery('simple', :insight_words)"
    else:
        column, where = "rowid", "insights_search MATCH :insight_words"
    found = (
        select(text(column))
        .select_from(text("insights_search"))
        .where(text(where).bindparams(insight_words=_query_text(groups)))
    )
    return select(Insight.id).where(Insight.id.in_(found))


def similar_to(words, limit=SIMILAR_LIMIT, exclude_ids=()):
    """Up to `limit` insights (not merged into another) sharing the most significant words with
    `words`, best first: ranked in the database (ts_rank / bm25, titles weigh more)."""
    terms = significant_terms(words, limit=12)
    if not terms:
        return []
    ranked = _ranked([(term, stems(term)) for term in terms])
    query = (
        select(Insight)
        .join(ranked, ranked.c.insight_id == Insight.id)
        .where(Insight.merged_into_id.is_(None))
    )
    if exclude_ids:
        query = query.where(Insight.id.notin_(list(exclude_ids)))
    query = query.order_by(ranked.c.rank, Insight.evidence_count.desc(), Insight.id.desc())
    return db.session.scalars(query.limit(limit)).all()


def reindex_insight(insight):
    """Bring the index in step with `insight` as stored now (flushes first)."""
    db.session.flush()
    write_entries(
        db.session.connection(),
        [entry(insight.id, insight.title_nl, insight.title_en, insight.description)],
    )


def rebuild_index(batch=5000):
    """Fill the whole index from the insights (after a bulk load, or to repair it)."""
    db.session.flush()
    connection = db.session.connection()
    connection.execute(text("DELETE FROM insights_search"))
    rows = connection.execute(
        select(Insight.id, Insight.title_nl, Insight.title_en, Insight.description).order_by(
            Insight.id
        )
    )
    while chunk := rows.fetchmany(batch):
        write_entries(connection, [entry(*row) for row in chunk])
