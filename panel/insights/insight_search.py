"""Finding insights by their words: the list's search, the inbox's search, the "Add to insight"
picker and its suggestions.

The full-text index is built like the ideas' (panel/rounds/idea_search.py): on SQLite an FTS5
table `insights_search` (unicode61, accents removed) kept in step by triggers on `insights`; on
PostgreSQL a generated tsvector column `insights.search` ('simple' configuration, common accents
folded with translate()) with a GIN index. Both hold the Dutch and the English title and the
description, so a search in either language finds the insight, and "cafe" finds "café".

Who changes an insight's words calls `reindex_insight(insight)` after the change (it flushes; on
SQLite it rewrites the entry from the stored row, which also repairs it when a batch migration
rebuilt the table and dropped its triggers). Merged insights stay in the index; the queries that
should not offer them filter them out by their column.
"""

import re

from sqlalchemy import DDL, Float, Integer, event, select, text

from ..extensions import db
from ..rounds.idea_search import ACCENTED, PLAIN, STOP_WORDS, fold
from .models import Insight

MAX_TERMS = 8
SIMILAR_LIMIT = 5

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE insights_search USING fts5(title_nl, title_en, description,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER insights_search_insert AFTER INSERT ON insights BEGIN"
    " INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (new.id, new.title_nl, new.title_en, new.description); END",
    "CREATE TRIGGER insights_search_delete AFTER DELETE ON insights BEGIN"
    " DELETE FROM insights_search WHERE rowid = old.id; END",
    "CREATE TRIGGER insights_search_update AFTER UPDATE OF title_nl, title_en, description"
    " ON insights BEGIN"
    " DELETE FROM insights_search WHERE rowid = old.id;"
    " INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (new.id, new.title_nl, new.title_en, new.description); END",
]
POSTGRES_SEARCH = [
    "ALTER TABLE insights ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', translate(lower(coalesce(title_nl, '') || ' '"
    " || coalesce(title_en, '') || ' ' || coalesce(description, '')),"
    f" '{ACCENTED}', '{PLAIN}'))) STORED",
    "CREATE INDEX ix_insights_search ON insights USING gin (search)",
]
for statement in SQLITE_SEARCH:
    event.listen(Insight.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_SEARCH:
    event.listen(Insight.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
event.listen(
    Insight.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS insights_search").execute_if(dialect="sqlite"),
)


def terms_of(words):
    """The words of a search, letters and digits only (no search syntax of either database
    reaches the index); overlong pasted 'words' are left out."""
    return [term for term in re.findall(r"[^\W_]+", fold(words)) if len(term) <= 40][:MAX_TERMS]


def significant_terms(words, limit=MAX_TERMS):
    """The words worth matching on: no stop words, nothing shorter than three letters."""
    terms = [term for term in re.findall(r"[^\W_]+", fold(words)) if 3 <= len(term) <= 40]
    return [term for term in dict.fromkeys(terms) if term not in STOP_WORDS][:limit]


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _matching(terms, any_term=False):
    """A where-clause on insights: every term (or, any_term, one of them) is a word or the start
    of a word of a title or the description."""
    if _is_postgresql():
        joiner = " | " if any_term else " & "
        return text("insights.search @@ to_tsquery('simple', :insight_words)").bindparams(
            insight_words=joiner.join(term + ":*" for term in terms)
        )
    joiner = " OR " if any_term else " "
    return Insight.id.in_(
        select(text("rowid"))
        .select_from(text("insights_search"))
        .where(
            text("insights_search MATCH :insight_match").bindparams(
                insight_match=joiner.join('"' + term + '"*' for term in terms)
            )
        )
    )


def matching_ids(q):
    """A select of Insight.id whose title (Dutch or English) or description has every word of
    `q` (as a word or the start of one, accents ignored). No words: every insight."""
    query = select(Insight.id)
    terms = terms_of(q)
    return query.where(_matching(terms)) if terms else query


def similar_to(words, limit=SIMILAR_LIMIT, exclude_ids=()):
    """Up to `limit` insights (not merged into another) sharing the most significant words with
    `words`, best first: ranked in the database (ts_rank / bm25, titles weigh more)."""
    terms = significant_terms(words, limit=12)
    if not terms:
        return []
    query = select(Insight).where(Insight.merged_into_id.is_(None))
    if exclude_ids:
        query = query.where(Insight.id.notin_(list(exclude_ids)))
    if _is_postgresql():
        query = query.where(_matching(terms, any_term=True)).order_by(
            text("ts_rank(insights.search, to_tsquery('simple', :rank_words)) DESC").bindparams(
                rank_words=" | ".join(term + ":*" for term in terms)
            ),
            Insight.evidence_count.desc(),
            Insight.id.desc(),
        )
    else:
        ranked = (
            text(
                "SELECT rowid AS insight_id, bm25(insights_search, 2.0, 2.0, 1.0) AS rank"
                " FROM insights_search WHERE insights_search MATCH :similar_match"
            )
            .bindparams(similar_match=" OR ".join('"' + term + '"*' for term in terms))
            .columns(insight_id=Integer, rank=Float)
            .subquery()
        )
        query = query.join(ranked, ranked.c.insight_id == Insight.id).order_by(
            ranked.c.rank, Insight.evidence_count.desc(), Insight.id.desc()
        )
    return db.session.scalars(query.limit(limit)).all()


def reindex_insight(insight):
    """Bring the index in step with `insight` as stored now (flushes first)."""
    db.session.flush()
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(text("DELETE FROM insights_search WHERE rowid = :id"), {"id": insight.id})
    db.session.execute(
        text(
            "INSERT INTO insights_search(rowid, title_nl, title_en, description)"
            " SELECT id, title_nl, title_en, description FROM insights WHERE id = :id"
        ),
        {"id": insight.id},
    )


def rebuild_index():
    """Fill the whole index from the insights (after a bulk load, or to repair it)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(text("DELETE FROM insights_search"))
    db.session.execute(
        text(
            "INSERT INTO insights_search(rowid, title_nl, title_en, description)"
            " SELECT id, title_nl, title_en, description FROM insights"
        )
    )
