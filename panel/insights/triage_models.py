"""The tables of triage (panel.insights.triage): one row per contribution, and "No action".

Imported at the end of panel.insights.models; migration g1triage18 makes the same tables.
"""

from sqlalchemy import DDL, Index, UniqueConstraint, event

from ..database import UTCDateTime, utcnow
from ..extensions import db


class TriageItem(db.Model):
    """One contribution panelists made (a comment or problem report on a release, an idea, a
    reaction, a session's notes), with what the triage page filters on, kept beside its source
    so the page reads this table alone. `words` holds its text as the search index stores it:
    accent-folded words plus their Dutch and English stems (panel.insights.triage.index_words)."""

    __tablename__ = "triage_items"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # an EvidenceKind value
    source_id = db.Column(db.Integer, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    release_id = db.Column(db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"))
    round_id = db.Column(db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"))
    score_group = db.Column(db.String(10))  # promoter / passive / detractor (responses)
    customer_type = db.Column(db.String(20))
    platform = db.Column(db.String(10))
    age_band = db.Column(db.String(5))
    language = db.Column(db.String(2))  # the panelist's language, None for session notes
    words = db.Column(db.Text, nullable=False, default="")

    __table_args__ = (
        UniqueConstraint("kind", "source_id", name="uq_triage_items_source"),
        Index("ix_triage_items_created", "created_at", "id"),
        Index("ix_triage_items_release", "release_id", "created_at"),
        Index("ix_triage_items_round", "round_id", "created_at"),
        Index("ix_triage_items_kind", "kind", "created_at"),
        # The release results page counts a release's comments per score group from this index
        # alone (at XL the kind index made it read every response's entry: 4 s).
        Index("ix_triage_items_release_groups", "release_id", "kind", "score_group"),
    )


class TriageDismissal(db.Model):
    """A contribution a colleague looked at and decided needs no action (one per contribution)."""

    __tablename__ = "triage_dismissals"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)
    source_id = db.Column(db.Integer, nullable=False)
    dismissed_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    dismissed_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    dismissed_by = db.relationship("User")

    __table_args__ = (UniqueConstraint("kind", "source_id", name="uq_triage_dismissals_source"),)


# The search index over `words`: FTS5 on SQLite (kept by triggers on triage_items), a generated
# tsvector with a GIN index on PostgreSQL ('simple': the words are folded and stemmed already).
SQLITE_TRIAGE_SEARCH = [
    "CREATE VIRTUAL TABLE triage_search USING fts5(words, content='triage_items',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER triage_search_insert AFTER INSERT ON triage_items BEGIN"
    " INSERT INTO triage_search(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER triage_search_delete AFTER DELETE ON triage_items BEGIN"
    " INSERT INTO triage_search(triage_search, rowid, words) VALUES ('delete', old.id, old.words);"
    " END",
    "CREATE TRIGGER triage_search_update AFTER UPDATE OF words ON triage_items BEGIN"
    " INSERT INTO triage_search(triage_search, rowid, words) VALUES ('delete', old.id, old.words);"
    " INSERT INTO triage_search(rowid, words) VALUES (new.id, new.words); END",
]
POSTGRES_TRIAGE_SEARCH = [
    "ALTER TABLE triage_items ADD COLUMN search tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_triage_items_search ON triage_items USING gin (search)",
]
for _statement in SQLITE_TRIAGE_SEARCH:
    event.listen(TriageItem.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_TRIAGE_SEARCH:
    event.listen(
        TriageItem.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
event.listen(
    TriageItem.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS triage_search").execute_if(dialect="sqlite"),
)
