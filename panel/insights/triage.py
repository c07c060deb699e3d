"""Triage: every contribution panelists made, in one list, each evidence, dismissed or waiting.

What counts as a contribution: an app-feedback response with a comment or problem report (a
score alone is not one), an idea, a reaction (rounds Comment), a session's notes, and what a
panelist said could be better after a session (feedback TouchpointResponse; a score alone is not
one either); hidden and withdrawn ones are not (their words are gone or not to be read).

Design
- A kept table `triage_items` (panel.insights.triage_models): one row per contribution, with
  what the list filters on (release or round, kind, time, score group, the panelist's segment and
  language) copied beside it, so the triage page reads that table alone, in the order of an
  index (ix_triage_items_created, or per release / round / kind), whatever the source tables.
- Its `words` column is the search index's text: every word of the contribution lower-cased
  and accent-folded ("Zoë" -> "zoe"), followed by its Dutch and English Snowball stems
  (snowballstemmer, which runs PyStemmer's C code when installed; stems are cached per word).
  SQLite indexes it with FTS5, PostgreSQL with a generated tsvector ('simple' configuration,
  since the words are already stemmed) and a GIN index: both databases hold the same tokens and
  answer a search alike. A searched word matches a word starting with it (prefixes: "factu"),
  or its Dutch or English stem exactly ("rekeningen" -> "rekening", "facturen" -> "factuur").
  Only letters and digits of a search reach either database's query syntax.
- Kept in step from Python, with no change to the code that writes contributions: SQLAlchemy
  session events note every response, idea, reaction, session or session feedback whose words or
  visibility change (ORM flushes, and bulk UPDATE / DELETE statements on ideas and reactions,
  whose rows are read before they run), and just before the transaction commits their rows are
  rewritten (an upsert) or removed. `flask panel reindex-triage` rebuilds the whole table (after
  a bulk load, or to repair it); bench/generate.py and the demo call rebuild() too.
- "No action" is a row in `triage_dismissals` (one per contribution: the unique key makes a
  double click or two colleagues at once one dismissal). An item is processed when it is
  evidence of an insight or dismissed; processed_state(items) says which (contract 4).
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

import snowballstemmer
from sqlalchemy import (
    and_,
    column,
    delete,
    event,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..database import race_pause, utcnow
from ..extensions import db
from ..feedback.models import Release, Response, TouchpointResponse
from ..membership.models import Member
from ..membership.segments import AgeBand, CustomerType, Platform
from ..rounds.idea_search import fold
from ..rounds.models import Comment, Idea, Registration, Round
from ..rounds.models import Session as RoundSession
from ..rounds.moderation import moderated_text
from ..rounds.permissions import can_manage_round
from ..security import Role
from .models import Evidence, EvidenceKind, Insight
from .triage_models import TriageDismissal, TriageItem

KINDS = EvidenceKind.values()
PER_PAGE = 25
# The count shown above the list goes up to this, then says "more than".
COUNT_UP_TO = 10_000
# A search is counted up to a thousand: counting more matches reads every one of them (SQLite
# looks each up for the reader's filter; PostgreSQL checks each row), 10-90 ms at size L.
SEARCH_COUNT_UP_TO = 1_000
# Past this offset, a search with many matches is read by its matches, not in date order.
IN_ORDER_UP_TO = 200
# The releases and rounds offered in the source filter: the newest (older ones are reached from
# the release's results page and the round's own pages, which link here with their source).
SOURCE_CHOICES = 24
MAX_TERMS = 8
# How many items one bulk action takes (a page's worth and more, never unbounded).
MAX_BULK = 200
SYNC_CHUNK = 1000

# Words, stems and the search ------------------------------------------------------------------

_DUTCH = snowballstemmer.stemmer("dutch")
_ENGLISH = snowballstemmer.stemmer("english")
WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=200_000)
def stems(word):
    """A folded word's Dutch and English stems (without the word itself and repeats)."""
    return tuple(
        dict.fromkeys(s for s in (_DUTCH.stemWord(word), _ENGLISH.stemWord(word)) if s != word)
    )


def words_of(*texts):
    """The folded words of some texts, letters and digits only (overlong 'words' left out)."""
    return [
        word for text_ in texts if text_ for word in WORD.findall(fold(text_)) if len(word) <= 40
    ]


def index_words(*texts):
    """What the search index stores for a contribution: each word, then its stems."""
    out = []
    for word in dict.fromkeys(words_of(*texts)):
        out.append(word)
        out.extend(stems(word))
    return " ".join(dict.fromkeys(out))


def search_terms(words):
    """[(word, (stems))] for a search: each word typed, with the stems it also matches."""
    terms = list(dict.fromkeys(words_of(words)))[:MAX_TERMS]
    return [(term, stems(term)) for term in terms]


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def matching(words, in_order=False):
    """A where-clause for triage items having every searched word (as the start of a word, or
    through its Dutch or English stem), or None when the search has no words.

    in_order (SQLite): for a search that matches many items. SQLite would look up every match
    and sort them all by date (44,668 matches of "telefoons" at L: 31 ms); "+id" keeps it on the
    date index instead, reading items newest first until the page is full (25 of 44,668 are
    found after ~400). For a search matching few, looking up the matches stays cheaper."""
    terms = search_terms(words)
    if not terms:
        return None
    if _is_postgresql():
        query = " & ".join(
            "(" + " | ".join([term + ":*", *stem_list]) + ")" for term, stem_list in terms
        )
        return text("triage_items.search @@ to_tsquery('simple', :triage_words)").bindparams(
            triage_words=query
        )
    key = literal_column("+triage_items.id") if in_order else TriageItem.id
    return key.in_(
        select(text("rowid")).select_from(text("triage_search")).where(_fts_match(terms))
    )


def _fts_match(terms):
    """SQLite's FTS5 MATCH for search_terms()."""
    match = " AND ".join(
        "(" + " OR ".join([f'"{term}"*', *(f'"{s}"' for s in stem_list)]) + ")"
        for term, stem_list in terms
    )
    return text("triage_search MATCH :triage_match").bindparams(triage_match=match)


# Keeping triage_items in step -----------------------------------------------------------------


def score_group(score):
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _age_band(birth_year):
    band = AgeBand.for_birth_year(birth_year)
    return band.value if band is not None else None


def _member_columns():
    return (
        Member.customer_type,
        Member.platform,
        Member.birth_year,
        User.locale,
    )


def _with_member(query, member_id_column):
    return query.outerjoin(Member, Member.id == member_id_column).outerjoin(
        User, User.id == Member.user_id
    )


def _loader(kind):
    """A select of the columns one kind's triage rows are made of (see _row)."""
    if kind == "response":
        query = select(
            Response.id,
            Response.created_at,
            Response.release_id,
            Response.score,
            Response.customer_type,
            Response.platform,
            Response.age_band,
            Response.improve_text,
            Response.problem_text,
            User.locale,
        )
        return _with_member(query, Response.member_id), Response.id
    if kind == "idea":
        query = select(
            Idea.id,
            Idea.created_at,
            Idea.round_id,
            Idea.title,
            Idea.body,
            Idea.hidden_at,
            Idea.withdrawn_at,
            *_member_columns(),
        )
        return _with_member(query, Idea.author_id), Idea.id
    if kind == "comment":
        query = select(
            Comment.id,
            Comment.created_at,
            Idea.round_id,
            Comment.body,
            Comment.hidden_at,
            Comment.withdrawn_at,
            *_member_columns(),
        ).join(Idea, Idea.id == Comment.idea_id)
        return _with_member(query, Comment.author_id), Comment.id
    if kind == "touchpoint":
        # The round is the session's, through the registration (gone: no round, and then only
        # panel managers see it, see readable_by).
        query = (
            select(
                TouchpointResponse.id,
                TouchpointResponse.created_at,
                TouchpointResponse.score,
                TouchpointResponse.better_text,
                RoundSession.round_id,
                *_member_columns(),
            )
            .outerjoin(Registration, Registration.id == TouchpointResponse.registration_id)
            .outerjoin(RoundSession, RoundSession.id == Registration.session_id)
        )
        return _with_member(query, TouchpointResponse.member_id), TouchpointResponse.id
    query = select(
        RoundSession.id, RoundSession.starts_at, RoundSession.round_id, RoundSession.notes
    )
    return query, RoundSession.id


def _row(kind, r):
    """The triage_items values for one loaded source row, or None when it is no contribution."""
    base = {"kind": kind, "source_id": r.id, "created_at": None, "release_id": None}
    base.update(round_id=None, score_group=None, language=None)
    if kind == "response":
        if not ((r.improve_text or "").strip() or (r.problem_text or "").strip()):
            return None
        return dict(
            base,
            created_at=r.created_at,
            release_id=r.release_id,
            score_group=score_group(r.score),
            customer_type=r.customer_type,
            platform=r.platform,
            age_band=r.age_band,
            language=r.locale,
            words=index_words(r.improve_text, r.problem_text),
        )
    if kind == "session":
        if not (r.notes or "").strip():
            return None
        return dict(
            base,
            created_at=r.starts_at,
            round_id=r.round_id,
            customer_type=None,
            platform=None,
            age_band=None,
            words=index_words(r.notes),
        )
    if kind == "touchpoint":
        if not (r.better_text or "").strip():
            return None
        return dict(
            base,
            created_at=r.created_at,
            round_id=r.round_id,
            score_group=score_group(r.score),
            customer_type=r.customer_type,
            platform=r.platform,
            age_band=_age_band(r.birth_year),
            language=r.locale,
            words=index_words(r.better_text),
        )
    if r.hidden_at is not None or r.withdrawn_at is not None:
        return None
    texts = (r.title, r.body) if kind == "idea" else (r.body,)
    if not any((t or "").strip() for t in texts):
        return None
    return dict(
        base,
        created_at=r.created_at,
        round_id=r.round_id,
        customer_type=r.customer_type,
        platform=r.platform,
        age_band=_age_band(r.birth_year),
        language=r.locale,
        words=index_words(*texts),
    )


UPDATED_COLUMNS = (
    "created_at",
    "release_id",
    "round_id",
    "score_group",
    "customer_type",
    "platform",
    "age_band",
    "language",
    "words",
)


def _upsert(rows):
    insert = postgresql_insert if _is_postgresql() else sqlite_insert
    statement = insert(TriageItem.__table__).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "source_id"],
        set_={name: statement.excluded[name] for name in UPDATED_COLUMNS},
    )
    db.session.execute(statement)


def sync(kind, ids):
    """Rewrite the triage rows of these sources of one kind as they are now (removing those
    that are no contribution any more, or gone)."""
    ids = sorted(set(ids))
    if not ids or kind not in KINDS:
        return
    if len(ids) > SYNC_CHUNK:
        for start in range(0, len(ids), SYNC_CHUNK):
            sync(kind, ids[start : start + SYNC_CHUNK])
        return
    query, key = _loader(kind)
    rows = {}
    for r in db.session.execute(query.where(key.in_(ids))):
        row = _row(kind, r)
        if row is not None:
            rows[r.id] = row
    gone = [number for number in ids if number not in rows]
    if gone:
        db.session.execute(
            delete(TriageItem).where(TriageItem.kind == kind, TriageItem.source_id.in_(gone))
        )
    if rows:
        _upsert(list(rows.values()))


ROW_COLUMNS = (
    "kind",
    "source_id",
    "created_at",
    "release_id",
    "round_id",
    "score_group",
    "customer_type",
    "platform",
    "age_band",
    "language",
    "words",
)


def contribution_rows(kinds=KINDS, batch=5000):
    """The triage row (a dict) of every contribution, its sources read `batch` at a time."""
    for kind in kinds:
        query, key = _loader(kind)
        last = 0
        while True:
            found = db.session.execute(query.where(key > last).order_by(key).limit(batch)).all()
            if not found:
                break
            last = found[-1].id
            for r in found:
                row = _row(kind, r)
                if row is not None:
                    yield row


def rebuild(batch=5000, kinds=KINDS):
    """Fill triage_items anew from every source (the CLI, the demo). Returns the number of
    contributions indexed."""
    total = 0
    db.session.execute(delete(TriageItem).where(TriageItem.kind.in_(kinds)))
    chunk = []
    for row in contribution_rows(kinds, batch):
        chunk.append(row)
        if len(chunk) >= batch:
            db.session.execute(TriageItem.__table__.insert(), chunk)
            total, chunk = total + len(chunk), []
    if chunk:
        db.session.execute(TriageItem.__table__.insert(), chunk)
        total += len(chunk)
    # Everything is indexed now: what the session noted before needs no second pass.
    for name in (PENDING, PENDING_ROWS, PENDING_AFTER):
        db.session.info.pop(name, None)
    return total


# What each watched class is to triage, and which of its attributes change its row.
WATCHED = {
    Response: (
        "response",
        (
            "improve_text",
            "problem_text",
            "score",
            "customer_type",
            "platform",
            "age_band",
            "member_id",
            "release_id",
        ),
    ),
    Idea: ("idea", ("title", "body", "hidden_at", "withdrawn_at", "round_id", "author_id")),
    Comment: ("comment", ("body", "hidden_at", "withdrawn_at", "idea_id", "author_id")),
    RoundSession: ("session", ("notes", "starts_at", "round_id")),
    TouchpointResponse: ("touchpoint", ("better_text", "score", "member_id", "registration_id")),
}
PENDING = "triage_pending"
PENDING_ROWS = "triage_pending_rows"  # {(kind, id): row or None}, made from the session
PENDING_AFTER = "triage_pending_after"  # {model: id} — every row above it was bulk inserted


def _note(session, kind, ids):
    session.info.setdefault(PENDING, {}).setdefault(kind, set()).update(ids)


def _changed(instance, names):
    state = db.inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


# The columns _row reads, per kind, from the source itself (the rest from its member).
OWN_COLUMNS = {
    "response": (
        "id",
        "created_at",
        "release_id",
        "score",
        "customer_type",
        "platform",
        "age_band",
        "improve_text",
        "problem_text",
        "member_id",
    ),
    "idea": ("id", "created_at", "round_id", "title", "body", "hidden_at", "withdrawn_at"),
    "comment": ("id", "created_at", "idea_id", "body", "hidden_at", "withdrawn_at"),
    "session": ("id", "starts_at", "round_id", "notes"),
    "touchpoint": ("id", "created_at", "score", "better_text", "member_id", "registration_id"),
}
MISSING = object()


def _loaded(instance, names):
    state = db.inspect(instance)
    return not (set(names) & (state.unloaded | state.expired_attributes))


def _in_session(session, model, number):
    """The instance of `model` with this id if the session holds it (no query), else None."""
    return session.identity_map.get(db.inspect(model).identity_key_from_primary_key([number]))


def _row_in_memory(session, kind, instance):
    """The triage row of a flushed source from what the session holds (no query): a dict, None
    (no contribution), or MISSING when something it needs is not loaded (then it is read)."""
    if not _loaded(instance, OWN_COLUMNS[kind]):
        return MISSING
    values = {name: getattr(instance, name) for name in OWN_COLUMNS[kind]}
    if kind == "comment":
        idea = _in_session(session, Idea, instance.idea_id)
        if idea is None or not _loaded(idea, ("round_id",)):
            return MISSING
        values["round_id"] = idea.round_id
    if kind == "touchpoint":
        values["round_id"] = None
        if instance.registration_id:
            registration = _in_session(session, Registration, instance.registration_id)
            if registration is None or not _loaded(registration, ("session_id",)):
                return MISSING
            round_session = _in_session(session, RoundSession, registration.session_id)
            if round_session is None or not _loaded(round_session, ("round_id",)):
                return MISSING
            values["round_id"] = round_session.round_id
    if kind != "session":
        member_id = instance.author_id if kind in ("idea", "comment") else instance.member_id
        member = _in_session(session, Member, member_id) if member_id else None
        if member_id and (
            member is None or not _loaded(member, ("customer_type", "platform", "birth_year"))
        ):
            return MISSING
        user = _in_session(session, User, member.user_id) if member and member.user_id else None
        if (
            member is not None
            and member.user_id
            and (user is None or not _loaded(user, ("locale",)))
        ):
            return MISSING
        values["locale"] = user.locale if user is not None else None
        if kind != "response":
            values["customer_type"] = member.customer_type if member else None
            values["platform"] = member.platform if member else None
            values["birth_year"] = member.birth_year if member else None
    return _row(kind, SimpleNamespace(**values))


def _note_instance(session, instance):
    kind = WATCHED[type(instance)][0]
    row = _row_in_memory(session, kind, instance)
    if row is MISSING:
        _note(session, kind, [instance.id])
    else:
        session.info.setdefault(PENDING_ROWS, {})[(kind, instance.id)] = row


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session, flush_context):
    for instance in session.new:
        if type(instance) in WATCHED:
            _note_instance(session, instance)
    for instance in session.dirty:
        watched = WATCHED.get(type(instance))
        if watched and _changed(instance, watched[1]):
            _note_instance(session, instance)
    for instance in session.deleted:
        watched = WATCHED.get(type(instance))
        if watched:
            _note(session, watched[0], [instance.id])


def _statement_columns(statement):
    values = getattr(statement, "_values", None) or {}
    return {getattr(key, "key", key) for key in values}


@event.listens_for(OrmSession, "do_orm_execute")
def _bulk_statement(orm_execute_state):
    """A bulk UPDATE or DELETE of ideas or reactions (an edit, a withdrawal, a merge): the rows
    it touches are read first and noted, when it changes what triage shows."""
    if not (
        orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert
    ):
        return
    mapper = orm_execute_state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model not in WATCHED:
        return
    session = orm_execute_state.session
    if orm_execute_state.is_insert:
        # A bulk INSERT (a load, the volume generator, tests): whatever gets a higher id than
        # the highest now is synced at commit.
        highest = session.execute(select(func.max(model.id))).scalar() or 0
        after = session.info.setdefault(PENDING_AFTER, {})
        after[model] = min(after.get(model, highest), highest)
        return
    if model not in (Idea, Comment):
        return
    kind, names = WATCHED[model]
    statement = orm_execute_state.statement
    if orm_execute_state.is_update and not (_statement_columns(statement) & set(names)):
        return
    ids = session.execute(select(model.id).where(statement.whereclause)).scalars().all()
    _note(session, kind, ids)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session):
    session.flush()  # commit flushes after this hook: what it would write is noted first
    for model, highest in session.info.pop(PENDING_AFTER, {}).items():
        ids = session.execute(select(model.id).where(model.id > highest)).scalars().all()
        _note(session, WATCHED[model][0], ids)
    pending = session.info.pop(PENDING, {})
    rows = session.info.pop(PENDING_ROWS, {})
    for kind, number in list(rows):
        if number in pending.get(kind, ()):  # read again below (a later bulk change)
            del rows[(kind, number)]
    made = [row for row in rows.values() if row is not None]
    if made:
        _upsert(made)
    gone = [key for key, row in rows.items() if row is None]
    for kind in {kind for kind, _number in gone}:
        numbers = [number for k, number in gone if k == kind]
        db.session.execute(
            delete(TriageItem).where(TriageItem.kind == kind, TriageItem.source_id.in_(numbers))
        )
    for kind, ids in pending.items():
        sync(kind, ids)


@event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(PENDING, None)
        session.info.pop(PENDING_ROWS, None)
        session.info.pop(PENDING_AFTER, None)


# The list -------------------------------------------------------------------------------------

SCORE_GROUPS = ("promoter", "passive", "detractor")
SEGMENT_KINDS = {"customer_type": CustomerType, "platform": Platform, "age_band": AgeBand}
STATES = ("open", "processed", "evidence", "dismissed")
LANGUAGES = ("nl", "en")


def _number(value):
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value or "") else None


@dataclass
class TriageFilters:
    """What the triage list is narrowed to, read from the page's address. Unknown values are no
    filter (never an error)."""

    words: str = ""
    source: str = ""  # "release", "round", "release:12", "round:3"
    kind: str = ""
    state: str = ""
    group: str = ""
    segment: str = ""  # "customer_type:business"
    language: str = ""

    @classmethod
    def from_args(cls, args):
        source = args.get("source", "")
        source_kind, _sep, source_id = source.partition(":")
        if source_kind not in ("release", "round") or (source_id and not _number(source_id)):
            source = ""
        segment = args.get("segment", "")
        segment_kind, _sep, segment_value = segment.partition(":")
        if (
            segment_kind not in SEGMENT_KINDS
            or segment_value not in SEGMENT_KINDS[segment_kind].values()
        ):
            segment = ""
        pick = lambda name, allowed: args.get(name, "") if args.get(name, "") in allowed else ""  # noqa: E731
        return cls(
            words=" ".join(args.get("q", "").split())[:100],
            source=source,
            kind=pick("kind", KINDS),
            state=pick("state", STATES),
            group=pick("group", SCORE_GROUPS),
            segment=segment,
            language=pick("language", LANGUAGES),
        )

    @property
    def active(self):
        return any(self.args().values())

    @property
    def release_id(self):
        kind, _sep, number = self.source.partition(":")
        return _number(number) if kind == "release" else None

    @property
    def round_id(self):
        kind, _sep, number = self.source.partition(":")
        return _number(number) if kind == "round" else None

    def args(self):
        values = {
            "q": self.words,
            "source": self.source,
            "kind": self.kind,
            "state": self.state,
            "group": self.group,
            "segment": self.segment,
            "language": self.language,
        }
        return {key: value for key, value in values.items() if value}


def is_evidence():
    return exists().where(
        Evidence.kind == TriageItem.kind, Evidence.source_id == TriageItem.source_id
    )


def is_dismissed():
    return exists().where(
        TriageDismissal.kind == TriageItem.kind,
        TriageDismissal.source_id == TriageItem.source_id,
    )


# The kinds that belong to one session of a round, for who runs that round only.
SESSION_KINDS = ("session", "touchpoint")


def readable_by(reader):
    """A session's notes are staff-only, for who runs its round (rounds.permissions), and so is
    what panelists said about the session afterwards: other rounds' session items are left out
    of the list, its count and its search."""
    if reader.has_role(Role.PANEL_MANAGER):
        return []
    owned = select(Round.id).where(Round.owner_id == reader.id)
    return [or_(TriageItem.kind.not_in(SESSION_KINDS), TriageItem.round_id.in_(owned))]


def conditions(filters, reader, in_order=False, search=True):
    where = readable_by(reader)
    if filters.release_id:
        where.append(TriageItem.release_id == filters.release_id)
    elif filters.round_id:
        where.append(TriageItem.round_id == filters.round_id)
    elif filters.source == "release":
        where.append(TriageItem.release_id.isnot(None))
    elif filters.source == "round":
        where.append(TriageItem.round_id.isnot(None))
    if filters.kind:
        where.append(TriageItem.kind == filters.kind)
    if filters.group:
        where.append(TriageItem.score_group == filters.group)
    if filters.segment:
        segment_kind, _sep, value = filters.segment.partition(":")
        where.append(getattr(TriageItem, segment_kind) == value)
    if filters.language:
        # Session notes have no language of their own (written by staff, for a bilingual
        # round): they are shown under either language rather than under neither.
        where.append(or_(TriageItem.language == filters.language, TriageItem.language.is_(None)))
    if filters.state == "open":
        where += [~is_evidence(), ~is_dismissed()]
    elif filters.state == "processed":
        where.append(or_(is_evidence(), is_dismissed()))
    elif filters.state == "evidence":
        where.append(is_evidence())
    elif filters.state == "dismissed":
        where.append(is_dismissed())
    match = matching(filters.words, in_order) if search else None
    if match is not None:
        where.append(match)
    return where


def items_query(filters, reader, count=0, offset=0):
    """The triage items the filters leave for `reader`, newest first. `count` (as counted by
    count_query) and the page's `offset` say whether a search is read in date order (see
    matching)."""
    in_order = (
        bool(filters.words)
        and count > count_up_to(filters)
        and offset < IN_ORDER_UP_TO
        and not _is_postgresql()
    )
    return (
        select(TriageItem)
        .where(*conditions(filters, reader, in_order))
        .order_by(TriageItem.created_at.desc(), TriageItem.id.desc())
    )


def count_up_to(filters):
    """Up to where the list is counted: a search less far (SEARCH_COUNT_UP_TO)."""
    return SEARCH_COUNT_UP_TO if filters.words else COUNT_UP_TO


def count_query(filters, reader):
    """How many items the filters leave, counted up to count_up_to() + 1 (then the page says
    more). A search on SQLite is counted by joining the index's matches, which FTS5 hands out
    one by one until the limit (4 ms at XL for 1,001 of 219,196 matches; as an IN list it first
    gathers every match: 19 ms)."""
    terms = search_terms(filters.words)
    if terms and not _is_postgresql():
        search = table("triage_search", column("rowid"))
        rows = (
            select(TriageItem.id)
            .select_from(search.join(TriageItem, TriageItem.id == search.c.rowid))
            .where(_fts_match(terms), *conditions(filters, reader, search=False))
        )
    else:
        rows = select(TriageItem.id).where(*conditions(filters, reader))
    capped = rows.limit(count_up_to(filters) + 1).subquery()
    return select(func.count()).select_from(capped)


@dataclass
class Entry:
    """One row of the triage list: the item, its source row (None: gone meanwhile), the text
    to show and where it came from, and whether it is processed."""

    item: TriageItem
    source: object
    text: str
    where: object  # the Release or Round it came from
    state: "ProcessedState"
    manages: bool = False

    @property
    def key(self):
        return f"{self.item.kind}:{self.item.source_id}"


def _texts(kind, row):
    """The words to show, a moderator's redactions said in words (as evidence quotes them)."""
    if kind == "response":
        return [part for part in (row.improve_text, row.problem_text) if part]
    if kind == "idea":
        return [moderated_text(row.title), moderated_text(row.body)]
    if kind == "comment":
        return [moderated_text(row.body)]
    if kind == "touchpoint":
        return [row.better_text or ""]
    return [row.notes or ""]


SOURCE_LOADS = {
    "response": (Response, [joinedload(Response.release)]),
    "idea": (Idea, [joinedload(Idea.round)]),
    "comment": (Comment, [joinedload(Comment.idea).joinedload(Idea.round)]),
    "session": (RoundSession, [joinedload(RoundSession.round)]),
    "touchpoint": (
        TouchpointResponse,
        [
            joinedload(TouchpointResponse.registration)
            .joinedload(Registration.session)
            .joinedload(RoundSession.round)
        ],
    ),
}


def entries(items, reader):
    """The page's items with their sources and state: one query per kind on the page, two for
    the state, whatever the number of rows. `manages`: whether `reader` runs the item's round
    (its staff pages are theirs to open)."""
    wanted = {}
    for item in items:
        wanted.setdefault(item.kind, []).append(item.source_id)
    sources = {}
    for kind, ids in wanted.items():
        model, loads = SOURCE_LOADS[kind]
        rows = db.session.scalars(select(model).options(*loads).where(model.id.in_(ids)))
        sources.update(((kind, row.id), row) for row in rows)
    states = processed_state([(item.kind, item.source_id) for item in items])
    out = []
    for item in items:
        row = sources.get((item.kind, item.source_id))
        where = None
        if row is not None:
            where = {
                "response": lambda r: r.release,
                "idea": lambda r: r.round,
                "comment": lambda r: r.idea.round,
                "session": lambda r: r.round,
                "touchpoint": lambda r: r.registration.session.round if r.registration else None,
            }[item.kind](row)
        texts = _texts(item.kind, row) if row is not None else []
        manages = isinstance(where, Round) and can_manage_round(reader, where)
        out.append(Entry(item, row, texts, where, states[(item.kind, item.source_id)], manages))
    return out


def source_choices(filters):
    """The newest SOURCE_CHOICES published releases [(id, version)] and rounds, and the one the
    filter names when it is older: the filter stays as short at 2,000 rounds as at 20."""
    releases = db.session.execute(
        select(Release.id, Release.version)
        .where(
            or_(
                Release.id.in_(
                    select(Release.id)
                    .where(Release.published_at.isnot(None))
                    .order_by(Release.month.desc(), Release.id.desc())
                    .limit(SOURCE_CHOICES)
                ),
                Release.id == (filters.release_id or 0),
            )
        )
        .order_by(Release.month.desc(), Release.id.desc())
    ).all()
    rounds = db.session.scalars(
        select(Round)
        .where(
            or_(
                Round.id.in_(select(Round.id).order_by(Round.id.desc()).limit(SOURCE_CHOICES)),
                Round.id == (filters.round_id or 0),
            )
        )
        .order_by(Round.id.desc())
    ).all()
    return releases, rounds


# Processed state (contract 4) -----------------------------------------------------------------


@dataclass
class ProcessedState:
    insights: list = field(default_factory=list)  # the insights it is evidence of
    dismissal: TriageDismissal | None = None

    @property
    def status(self):
        return "evidence" if self.insights else "dismissed" if self.dismissal else "open"

    @property
    def processed(self):
        return bool(self.insights or self.dismissal)


def parse_item(value):
    """("response", 123) for "response:123"; None for anything else."""
    kind, _sep, number = (value or "").partition(":")
    number = _number(number)
    if kind not in KINDS or not number:
        return None
    return kind, number


def _item_filter(model, items):
    by_kind = {}
    for kind, number in items:
        by_kind.setdefault(kind, set()).add(number)
    return or_(
        *(
            and_(model.kind == kind, model.source_id.in_(sorted(ids)))
            for kind, ids in by_kind.items()
        )
    )


def processed_state(items):
    """{(kind, id): ProcessedState} for contributions given as (kind, id) pairs: the insights
    each is evidence of (newest first) and its "No action" dismissal. Two queries at most."""
    items = list(dict.fromkeys((kind, int(number)) for kind, number in items))
    states = {item: ProcessedState() for item in items}
    if not items:
        return states
    evidence = db.session.execute(
        select(Evidence.kind, Evidence.source_id, Insight)
        .join(Insight, Insight.id == Evidence.insight_id)
        .where(_item_filter(Evidence, items))
        .order_by(Insight.id.desc())
    ).all()
    for kind, number, insight in evidence:
        states[(kind, number)].insights.append(insight)
    dismissals = db.session.scalars(
        select(TriageDismissal)
        .options(joinedload(TriageDismissal.dismissed_by))
        .where(_item_filter(TriageDismissal, items))
    ).all()
    for dismissal in dismissals:
        states[(dismissal.kind, dismissal.source_id)].dismissal = dismissal
    return states


# No action ------------------------------------------------------------------------------------


def existing_items(items, reader):
    """The (kind, id) pairs among `items` that are in triage (a contribution now) and that
    `reader` may see there (readable_by), each with whether it is evidence of an insight."""
    items = list(dict.fromkeys(items))
    if not items:
        return []
    rows = db.session.execute(
        select(TriageItem.kind, TriageItem.source_id, is_evidence()).where(
            _item_filter(TriageItem, items), *readable_by(reader)
        )
    ).all()
    found = {(kind, number): evidence for kind, number, evidence in rows}
    return [(item, bool(found[item])) for item in items if item in found]


def dismiss(items, user):
    """Mark contributions "No action" for `user`: only those they may see in triage, and not
    those that are evidence of an insight already (something was done with them). Already
    dismissed ones stay as they were (who dismissed first keeps the name).
    Returns (how many this call dismissed, how many were skipped as evidence)."""
    done = evidence = 0
    for (kind, number), is_evidence_now in existing_items(items, user)[:MAX_BULK]:
        if is_evidence_now:
            evidence += 1
            continue
        race_pause("TRIAGE_RACE_DELAY")
        try:
            with db.session.begin_nested():
                db.session.add(
                    TriageDismissal(
                        kind=kind, source_id=number, dismissed_by_id=user.id, dismissed_at=utcnow()
                    )
                )
        except IntegrityError:
            continue
        done += 1
    return done, evidence


def undo_dismissal(item, user):
    """Take a "No action" back (the dismissal row says who and when; nothing else is kept);
    False when it was not dismissed (any more) or `user` may not see the contribution."""
    if not existing_items([item], user):
        return False
    kind, number = item
    removed = db.session.execute(
        delete(TriageDismissal).where(
            TriageDismissal.kind == kind, TriageDismissal.source_id == number
        )
    ).rowcount
    return bool(removed)


def release_comment_counts_query(release_id):
    """A release's comments counted per score group, from ix_triage_items_release_groups."""
    return (
        select(TriageItem.score_group, func.count())
        .where(TriageItem.release_id == release_id, TriageItem.kind == "response")
        .group_by(TriageItem.score_group)
    )


def release_comment_counts(release):
    """{score group: number of comments} of one release, from the triage table."""
    rows = db.session.execute(release_comment_counts_query(release.id)).all()
    counts = {group: 0 for group in SCORE_GROUPS}
    counts.update({group: number for group, number in rows if group in counts})
    return counts
