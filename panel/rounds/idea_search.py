"""Searching and filtering a round's ideas, and finding ideas similar to a new one.

The full-text index `ideas_search` is built like the feedback comments' `feedback_search`:
an FTS5 table on SQLite (unicode61, accents removed), a generated tsvector column with a GIN
index on PostgreSQL ('simple' configuration, common accents folded with translate(), so Dutch and
English words are found alike, "cafe" finds "café").

Keeping it in step: on SQLite, triggers on `ideas` re-index an idea whenever its row is inserted,
deleted or its title or body changes; on PostgreSQL the generated column does the same. Who
changes an idea's words (an own edit, a moderator's redaction, a merge) or its visibility (hide,
unhide, withdraw) calls `reindex_idea(idea)` after the change: it flushes and rewrites that idea's
entry, so the index is right even where a migration rebuilt the `ideas` table (SQLite's batch
mode drops a table's triggers). Hidden, withdrawn and merged ideas stay in the index; every
query here filters them out by their columns, so unhiding needs no second step.
"""

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import DDL, Float, Integer, event, select, text

from ..extensions import db
from .models import Idea, IdeaStatus, IdeaSupport

# Common accented letters folded to their plain letter, the same in SQL (PostgreSQL's
# translate()) and in Python (fold()), so a search without accents finds words with them.
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿçñ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycn"

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE ideas_search USING fts5(title, body,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER ideas_search_insert AFTER INSERT ON ideas BEGIN"
    " INSERT INTO ideas_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER ideas_search_delete AFTER DELETE ON ideas BEGIN"
    " DELETE FROM ideas_search WHERE rowid = old.id; END",
    "CREATE TRIGGER ideas_search_update AFTER UPDATE OF title, body ON ideas BEGIN"
    " DELETE FROM ideas_search WHERE rowid = old.id;"
    " INSERT INTO ideas_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
POSTGRES_SEARCH = [
    "ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', translate(lower(coalesce(title, '') || ' ' || coalesce(body, '')),"
    f" '{ACCENTED}', '{PLAIN}'))) STORED",
    "CREATE INDEX ix_ideas_search ON ideas USING gin (search)",
]
for statement in SQLITE_SEARCH:
    event.listen(Idea.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_SEARCH:
    event.listen(Idea.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
event.listen(
    Idea.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS ideas_search").execute_if(dialect="sqlite"),
)

# Words that say nothing about what an idea is: left out when looking for similar ideas.
STOP_WORDS = frozenset(
    """
    aan al alle als ben bij dan dat de deze die dit doen door dus een eens en er ga gaan geen
    graag had heb hebben heeft het hier hij hoe ik in is je jij kan kun kunnen maar me meer met
    mij mijn moet na naar niet nog nu of om ook op over te tot u uit van veel voor wat we wel
    wij wil willen word worden wordt zal ze zelf zijn zo zou
    a about all also an and app are as at be been but by can could do for from get have how
    i if in into is it its make me more my no not of on or our please should so than that the
    their them then there this to too use very was we what when which while who why will
    with would you your
    """.split()
)
SIMILAR_LIMIT = 5
MAX_TERMS = 8


def fold(words):
    """Lower case without accents: 'Café' -> 'cafe' (as the index stores words)."""
    decomposed = unicodedata.normalize("NFKD", words or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def terms_of(words):
    """The words of a search, letters and digits only: no search syntax of either database
    ever reaches it. Overlong 'words' (pasted nonsense) are left out."""
    return [term for term in re.findall(r"[^\W_]+", fold(words)) if len(term) <= 40][:MAX_TERMS]


def significant_terms(words):
    """The words worth matching on: stop words and one- or two-letter words left out."""
    terms = [term for term in re.findall(r"[^\W_]+", fold(words)) if 3 <= len(term) <= 40]
    return [term for term in dict.fromkeys(terms) if term not in STOP_WORDS][:MAX_TERMS]


def reindex_idea(idea):
    """Bring the full-text index in step with `idea` as it is now.

    Call it after changing an idea's title or body (own edit, redaction, merge) or its
    visibility (hide, unhide, withdraw), in the same transaction. It flushes, so pending
    changes are written first; on PostgreSQL the generated column then already holds the new
    words, on SQLite the idea's entry is rewritten from the stored row.
    """
    db.session.flush()
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(text("DELETE FROM ideas_search WHERE rowid = :id"), {"id": idea.id})
    db.session.execute(
        text(
            "INSERT INTO ideas_search(rowid, title, body)"
            " SELECT id, title, body FROM ideas WHERE id = :id"
        ),
        {"id": idea.id},
    )


def rebuild_index():
    """Fill the whole index from the ideas (after a bulk load, or to repair it)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(text("DELETE FROM ideas_search"))
    db.session.execute(
        text("INSERT INTO ideas_search(rowid, title, body) SELECT id, title, body FROM ideas")
    )


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def matching(terms, any_term=False):
    """A where-clause: ideas whose title or body has every term (or, any_term, one of them) as a
    word or the start of a word."""
    if _is_postgresql():
        joiner = " | " if any_term else " & "
        return text("ideas.search @@ to_tsquery('simple', :idea_words)").bindparams(
            idea_words=joiner.join(term + ":*" for term in terms)
        )
    joiner = " OR " if any_term else " "
    match = joiner.join('"' + term + '"*' for term in terms)
    return Idea.id.in_(
        select(text("rowid"))
        .select_from(text("ideas_search"))
        .where(text("ideas_search MATCH :idea_match").bindparams(idea_match=match))
    )


def listed(query):
    """Only the ideas a round's list shows: not hidden, withdrawn or merged into another."""
    return query.where(
        Idea.hidden_at.is_(None), Idea.withdrawn_at.is_(None), Idea.merged_into_id.is_(None)
    )


@dataclass
class IdeaFilters:
    """What the list of ideas is narrowed to, read from the page's address."""

    words: str = ""
    status: str = ""
    mine: bool = False
    supported: bool = False
    answered: bool = False
    category: int | None = None

    @classmethod
    def from_args(cls, args, category_ids=None):
        """Only known values count; anything else is no filter (never an error). Without
        `category_ids` any category number is taken (the list checks it when shown)."""
        status = args.get("status", "")
        category = args.get("category", "")
        return cls(
            words=" ".join(args.get("q", "").split())[:100],
            status=status if status in IdeaStatus.values() else "",
            mine=args.get("mine") == "1",
            supported=args.get("supported") == "1",
            answered=args.get("answered") == "1",
            category=int(category)
            if re.fullmatch(r"[0-9]{1,9}", category)
            and (category_ids is None or int(category) in category_ids)
            else None,
        )

    @property
    def active(self):
        return bool(
            self.words
            or self.status
            or self.mine
            or self.supported
            or self.answered
            or self.category
        )

    def args(self):
        """The filters as address arguments (empty ones left out), to keep them on links."""
        values = {
            "q": self.words,
            "status": self.status,
            "mine": "1" if self.mine else "",
            "supported": "1" if self.supported else "",
            "answered": "1" if self.answered else "",
            "category": self.category or "",
        }
        return {key: value for key, value in values.items() if value}


def filter_ideas(query, filters, member=None):
    """Narrow a select of ideas by the filters; "mine" and "I supported" need a member."""
    terms = terms_of(filters.words)
    if terms:
        query = query.where(matching(terms))
    if filters.status:
        query = query.where(Idea.status == filters.status)
    if filters.answered:
        query = query.where(Idea.answered_at.isnot(None))
    if filters.category:
        query = query.where(Idea.category_id == filters.category)
    if filters.mine:
        query = query.where(Idea.author_id == (member.id if member is not None else None))
    if filters.supported:
        query = query.where(
            Idea.id.in_(
                select(IdeaSupport.idea_id).where(
                    IdeaSupport.member_id == (member.id if member is not None else None)
                )
            )
        )
    return query


def similar_ideas(round_, title, limit=SIMILAR_LIMIT):
    """Up to `limit` listed ideas of the round sharing significant words with `title`, the
    best match first (most shared words, title words counting double)."""
    terms = significant_terms(title)
    if not terms:
        return []
    query = listed(select(Idea).where(Idea.round_id == round_.id))
    if _is_postgresql():
        query = query.where(matching(terms, any_term=True)).order_by(
            text("ts_rank(ideas.search, to_tsquery('simple', :rank_words)) DESC").bindparams(
                rank_words=" | ".join(term + ":*" for term in terms)
            ),
            Idea.support_count.desc(),
            Idea.id.desc(),
        )
    else:
        ranked = (
            text(
                "SELECT rowid AS idea_id, bm25(ideas_search, 2.0, 1.0) AS rank"
                " FROM ideas_search WHERE ideas_search MATCH :similar_match"
            )
            .bindparams(similar_match=" OR ".join('"' + term + '"*' for term in terms))
            .columns(idea_id=Integer, rank=Float)
            .subquery()
        )
        query = query.join(ranked, ranked.c.idea_id == Idea.id).order_by(
            ranked.c.rank, Idea.support_count.desc(), Idea.id.desc()
        )
    return db.session.scalars(query.limit(limit)).all()
