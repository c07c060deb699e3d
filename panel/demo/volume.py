"""Data at volume for benchmarks: `flask panel demo --size L` (QUALITY.md's sizes).

On top of the small demo (its staff accounts, passwords and story stay as they are) every table
is filled in bulk: members across segments and statuses with their status histories and
consents; rounds in every stage with sessions, registrations, ideas, supports, reactions and
invitations; five years of monthly releases with invitations, responses, ratings and comments;
insights with evidence, routed to streams and answered; notifications, e-mail, audit entries and
the small tables. Rows are written with the driver directly (executemany on SQLite, COPY on
PostgreSQL), one table after the other, each committed, with a progress line per table. Every
kept count is set from a recount at the end (`recount_kept`), so kept counts equal a recount.

Everything is drawn from one seeded random generator and is relative to the moment of loading.
Every member's password is the demo's; members log in as panellid<id>@example.nl (or
member<id>@example.com for English speakers), colleagues as collega<n>@klantenteam.example.

Measured on the shared 2-core machine (`/usr/bin/time -v .venv/bin/python bench/generate.py
--size L --db …`): L on SQLite 10.65 M rows in 4:12 wall (89 s CPU, 35% of a core, 580 MB RSS,
1.1 GB file); on PostgreSQL 14:59 wall under load 12-15 (the generator 38 s CPU, COPY's work is
the server's; 1.45 GB). XL on SQLite (quiet machine): 57.9 M rows (24 M invitations, 10.1 M
responses, 11.3 M ratings) in 11:03 wall, 650 s CPU, 1.7 GB RSS.
"""

import hashlib
import random
import time
from bisect import bisect
from collections import namedtuple
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, func, select, text

from ..accounts.models import User
from ..accounts.user_search import index_unindexed_users
from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..feedback.models import SQLITE_SEARCH, Release, ReleaseChange
from ..feedback.services import SEGMENT_KINDS, SEGMENT_VALUES
from ..insights import insight_search, triage
from ..insights.models import RoutingRule, Stream, Tag, TriageItem
from ..mail import OutboxMessage
from ..membership import health as membership_health
from ..membership.models import Member, PrivacyStatement
from ..membership.segments import AgeBand, AppUsage, Interest, Platform, region_for_postcode
from ..notifications.models import Notification
from ..rounds.models import DEFAULT_ACTIONS, FLOW, Stage
from ..security import hash_password
from . import feedback as demo_feedback
from . import insights as demo_insights
from . import load_demo
from . import membership as demo_membership
from . import rounds as demo_rounds
from .accounts import DEMO_PASSWORD

# members: panelists; releases: monthly releases in all (the demo's 24 are the newest);
# response_rate: the average share of invitations answered; sample: invitations per release
# (None: every member in the panel at the time); rounds, sessions, registrations, ideas,
# insights: totals, including the demo's own.
Size = namedtuple(
    "Size",
    "members releases response_rate sample rounds sessions registrations ideas insights",
)

SIZES = {
    "S": Size(300, 36, 0.42, None, 14, 60, 500, 150, 120),
    "M": Size(10_000, 60, 0.42, None, 60, 600, 10_000, 3_000, 5_000),
    "L": Size(100_000, 60, 0.42, None, 500, 5_000, 100_000, 30_000, 50_000),
    "XL": Size(1_000_000, 60, 0.42, 400_000, 2_000, 20_000, 400_000, 120_000, 200_000),
}

CHUNK = 20_000
DAY = timedelta(days=1)

EN_FIRST_NAMES = ["James", "Olivia", "Oliver", "Amelia", "Harry", "Grace", "Jack", "Chloe"]
EN_LAST_NAMES = ["Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Green"]
STATUSES = (
    ["active"] * 80
    + ["paused"] * 4
    + ["pending"] * 1
    + ["applicant"] * 2
    + ["reserve"] * 2
    + ["declined"] * 1
    + ["left"] * 9
    + ["removed"] * 1
)
LEAVE_REASONS = ["no_time", "too_many_invitations", "not_customer", "privacy", "other", None]
REMOVE_REASONS = [
    "Geen klant meer.",
    "Herhaaldelijk ongepaste reacties.",
    "Op eigen verzoek via de klantenservice.",
]
CUSTOMER_TYPES = ["prepaid"] * 30 + ["subscription"] * 58 + ["business"] * 10 + ["none"] * 2
PROPENSITY = [0.03, 0.15, 0.35, 0.55, 0.8, 0.95]
SCORE_WEIGHTS = [2, 1, 2, 3, 4, 8, 10, 18, 24, 16, 12]
RATINGS = (1, 2, 3, 4, 5)
RATING_CUMULATIVE = [5, 13, 33, 70, 100]
SCORES = range(11)
MOMENTS = 4096


def _scores(index, count):
    """Cumulative score weights for the release at `index` of `count`: slowly improving."""
    shift = index / max(count - 1, 1)
    weights = [w * (1 + shift * (s - 5) / 10) for s, w in enumerate(SCORE_WEIGHTS)]
    total, cumulative = 0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


# Writing -----------------------------------------------------------------------------------------


class Bulk:
    """Writes rows (tuples of plain Python values, naive UTC datetimes) straight to the driver."""

    def __init__(self, echo):
        self.echo = echo
        self.dialect = db.engine.dialect.name
        self.counts = {}

    @property
    def raw(self):
        return db.session.connection().connection.driver_connection

    def sink(self, table, columns, started=None, after=(), converted=False):
        """A writer for one table: add() rows, close() when done (prints the progress line).

        `after`: sinks whose rows this table's rows refer to; they are sent first. `converted`:
        the rows hold times already as self.ts() makes them (for the hottest loops)."""
        if isinstance(table, str):
            table = db.metadata.tables[table]
        sink = Sink(self, getattr(table, "__table__", table), columns, started, after)
        if converted:
            sink.converters = None
        return sink

    def ts(self, moment):
        """A naive UTC datetime as the driver is given it here."""
        return self._converter(UTCDateTime())(moment)

    def write(self, table, columns, rows, started=None):
        """Write an iterable of rows to `table` (a model, a Table or a name) in chunks; commit."""
        sink = self.sink(table, columns, started)
        for row in rows:
            sink.add(row)
        return sink.close()

    def _converter(self, column_type):
        sqlite = self.dialect == "sqlite"
        if isinstance(column_type, UTCDateTime):
            if sqlite:
                return lambda v: v.isoformat(" ", "microseconds")
            return lambda v: v.isoformat(" ", "microseconds") + "+00"
        if isinstance(column_type, Date) and sqlite:
            return date.isoformat
        if isinstance(column_type, Boolean) and sqlite:
            return int
        return None

    def _send(self, table, columns, rows):
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # nosec B608: names from the models


class Sink:
    def __init__(self, bulk, table, columns, started, after=()):
        self.bulk, self.table, self.columns, self.after = bulk, table, columns, after
        self.started, self.cpu = started or _clock()
        converters = [bulk._converter(table.c[name].type) for name in columns]
        self.converters = None if all(c is None for c in converters) else converters
        self.chunk, self.total = [], 0

    def add(self, row):
        if self.converters is not None:
            row = tuple(
                v if c is None or v is None else c(v)
                for c, v in zip(self.converters, row, strict=True)
            )
        self.chunk.append(row)
        if len(self.chunk) >= CHUNK:
            self.flush()

    def flush(self):
        for sink in self.after:
            sink.flush()
        if self.chunk:
            self.bulk._send(self.table.name, self.columns, self.chunk)
            self.total += len(self.chunk)
            self.chunk = []

    def close(self):
        self.flush()
        db.session.commit()
        name = self.table.name
        self.bulk.counts[name] = self.bulk.counts.get(name, 0) + self.total
        elapsed = time.perf_counter() - self.started
        cpu = time.process_time() - self.cpu
        self.bulk.echo(f"  {name:<26} {self.total:>10,} rows {elapsed:7.1f} s ({cpu:.1f} s CPU)")
        return self.total


def _clock():
    """(wall, CPU) seconds now: progress lines show both (the machine may be busy)."""
    return time.perf_counter(), time.process_time()


def _next_id(model):
    return (db.session.execute(select(func.max(model.id))).scalar() or 0) + 1


# The generator -----------------------------------------------------------------------------------


class Volume:
    def __init__(self, size, seed, echo):
        self.size = size
        self.rng = random.Random(seed)
        self.echo = echo
        self.bulk = Bulk(echo)
        self.now = _naive(utcnow())
        self.password = hash_password(DEMO_PASSWORD)

    def run(self):
        started = _clock()
        self._prepare()
        self.staff_users()
        self.members()
        self.histories()
        self.releases()
        self.feedback()
        self.rounds()
        self.round_activity()
        self.insights()
        self.messages()
        self.small_tables()
        self.triage()
        insight_search.rebuild_index()  # the insights were written in bulk, past the ORM's events
        self.echo("  indexing names and e-mail addresses for the member search …")
        index_unindexed_users()  # the users were written in bulk, past the ORM's events
        self.echo("  recounting kept counts …")
        recount_kept()
        db.session.commit()
        finish_bulk_load()
        db.session.commit()
        # The panel health page's kept figures, as the cron job (`flask panel refresh-health`)
        # counts them: after the statistics above, so PostgreSQL plans the counts at volume.
        self.echo("  counting the panel health figures …")
        membership_health.refresh()
        db.session.commit()
        wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
        self.echo(f"  {'(all bulk tables)':<26} {'':>10} {wall:7.1f} s ({cpu:.1f} s CPU)")
        return self.bulk.counts

    def triage(self):
        """Triage's row of every contribution (their words stemmed once per distinct word), and
        "No action" on about one in eleven."""
        started = _clock()
        db.session.execute(text("DELETE FROM triage_items"))  # the demo's, written again here
        db.session.commit()
        columns = triage.ROW_COLUMNS
        sink = self.bulk.sink(TriageItem, columns, started)
        for row in triage.contribution_rows():
            row["created_at"] = _naive(row["created_at"])
            sink.add(tuple(row[name] for name in columns))
        sink.close()
        rng, now = self.rng, self.now
        picked = db.session.execute(
            text(
                "SELECT t.kind, t.source_id FROM triage_items t WHERE t.id % 11 = 0 AND NOT EXISTS"
                " (SELECT 1 FROM triage_dismissals d"
                " WHERE d.kind = t.kind AND d.source_id = t.source_id)"
            )
        ).all()
        self.bulk.write(
            "triage_dismissals",
            ("kind", "source_id", "dismissed_by_id", "dismissed_at"),
            (
                (kind, source_id, rng.choice(self.owners), now - DAY * rng.uniform(0, 60))
                for kind, source_id in picked
            ),
        )

    # Preparation ---------------------------------------------------------------------------------

    def _prepare(self):
        if self.bulk.dialect == "sqlite":
            self.bulk.raw.execute("PRAGMA cache_size=-200000")
        self.streams = [(s.id, s.target_days) for s in Stream.query.order_by(Stream.id)]
        self.tags = [t.id for t in Tag.query.order_by(Tag.id)]
        self.rules = [r.id for r in RoutingRule.query.order_by(RoutingRule.id)]
        statement = db.session.execute(select(func.max(PrivacyStatement.version))).scalar()
        self.statement = statement or 1
        self.demo_staff = db.session.scalars(
            select(User.id).where(User.email.like("%@klantenteam.example")).order_by(User.id)
        ).all()
        self.manager = self.demo_staff[4] if len(self.demo_staff) > 4 else None

    def staff_users(self):
        """Thirty colleagues in the streams (reviewers) and as product owners."""
        rng, started = self.rng, _clock()
        first = _next_id(User)
        users, roles, stream_members = [], [], []
        self.reviewers, self.owners = [], []
        self.stream_reviewers = {}  # stream id: its reviewers (whom its routes are assigned to)
        for offset in range(30):
            user_id = first + offset
            locale = "en" if offset % 5 == 0 else "nl"
            name = self._name(locale)
            created = self.now - DAY * rng.randint(200, 2000)
            email = f"collega{offset + 1}@klantenteam.example"
            users.append((user_id, email, name, locale, self.password, True, created, created))
            role = "reviewer" if offset < 20 else "product_owner"
            roles.append((user_id, role))
            if role == "reviewer":
                self.reviewers.append(user_id)
                for stream_id, _ in rng.sample(self.streams, rng.randint(1, 2)):
                    stream_members.append((stream_id, user_id))
                    self.stream_reviewers.setdefault(stream_id, []).append(user_id)
            else:
                self.owners.append(user_id)
        cols = ("id", "email", "name", "locale", "password_hash", "is_enabled")
        self.bulk.write("users", cols + ("created_at", "updated_at"), users, started)
        self.bulk.write(db.metadata.tables["user_roles"], ("user_id", "role"), roles)
        self.bulk.write(
            db.metadata.tables["stream_members"], ("stream_id", "user_id"), stream_members
        )
        self.staff = self.demo_staff + self.reviewers + self.owners

    def _name(self, locale):
        rng = self.rng
        if locale == "en" and rng.random() < 0.6:
            return f"{rng.choice(EN_FIRST_NAMES)} {rng.choice(EN_LAST_NAMES)}"
        first = rng.choice(demo_membership.FIRST_NAMES)
        return f"{first} {rng.choice(demo_membership.LAST_NAMES)}"

    # Members -------------------------------------------------------------------------------------

    def members(self):
        """Members with varied segments and statuses, joined over seven years; their accounts."""
        rng, now, count = self.rng, self.now, self.size.members
        started = _clock()
        first_member, first_user = _next_id(Member), _next_id(User)
        taken = set(db.session.scalars(select(Member.number)))
        numbers = [n for n in rng.sample(range(100_000, 9_999_999), count + len(taken) + 10)]
        numbers = [n for n in numbers if n not in taken][:count]
        this_year = now.year
        bands = {
            year: (AgeBand.for_birth_year(year).value if AgeBand.for_birth_year(year) else "")
            for year in range(1930, this_year)
        }
        platforms, usages = Platform.values(), AppUsage.values()
        interests = Interest.values()
        years = ["0-1", "1-3", "3-5", "5+", "5+", None]
        sources = ["website", "app-banner", "newsletter", "store-utrecht", "social", None]
        # Per member, what the later tables need: (id, user id, status, joined, left, locale,
        # customer type, platform, age band, propensity to answer).
        self.people = []
        users, members, member_interests = [], [], []
        user_id = first_user
        for offset in range(count):
            member_id = first_member + offset
            status = rng.choice(STATUSES)
            if rng.random() < 0.8:
                joined = now - DAY * rng.uniform(5 * 365, 7 * 365)
            else:
                joined = now - DAY * rng.uniform(1, 5 * 365)
            gone = status in ("left", "removed")
            left = joined + (now - joined) * rng.uniform(0.05, 0.98) if gone else None
            locale = "en" if rng.random() < 0.15 else "nl"
            postcode = rng.choice(demo_membership.POSTCODES[:-1]) if rng.random() < 0.2 else None
            postcode = postcode or str(rng.randint(1000, 9999))
            region = region_for_postcode(postcode)
            birth_year = rng.randint(this_year - 85, this_year - 16)
            customer_type = rng.choice(CUSTOMER_TYPES)
            platform = rng.choices(platforms, (52, 45, 3))[0]
            has_user = status not in ("left", "removed", "declined")
            if has_user:
                if locale == "en":
                    email = f"member{member_id}@example.com"
                else:
                    email = f"panellid{member_id}@example.nl"
                users.append(
                    (
                        user_id,
                        email,
                        self._name(locale),
                        locale,
                        self.password,
                        True,
                        joined,
                        joined,
                    )
                )
            confirmed = joined + timedelta(minutes=rng.randint(2, 600))
            activated = (
                confirmed + timedelta(hours=rng.randint(0, 48))
                if status not in ("applicant", "pending", "reserve", "declined")
                else None
            )
            last_active = (
                (left if gone else now - DAY * rng.expovariate(1 / 60)) if activated else None
            )
            if last_active is not None and last_active < joined:
                last_active = activated
            paused_until = (now + DAY * rng.randint(3, 90)).date() if status == "paused" else None
            physical = rng.random() < 0.4
            members.append(
                (
                    member_id,
                    numbers[offset],
                    user_id if has_user else None,
                    status,
                    paused_until,
                    None if gone else birth_year,
                    None if gone else postcode[:4],
                    region.value if region else None,
                    customer_type,
                    rng.choice(years),
                    platform,
                    rng.choice(usages),
                    physical,
                    region.value if physical and region else None,
                    rng.random() < 0.8,
                    rng.choice(sources),
                    joined,
                    None if status == "applicant" else confirmed,
                    activated,
                    last_active,
                    left,
                    (rng.choice(LEAVE_REASONS) if status == "left" else None),
                    None if status == "applicant" else self.statement,
                )
            )
            if not gone:
                for interest in rng.sample(interests, rng.randint(1, 3)):
                    member_interests.append((member_id, interest))
            self.people.append(
                (
                    member_id,
                    user_id if has_user else None,
                    status,
                    joined,
                    left,
                    locale,
                    customer_type,
                    platform,
                    bands.get(birth_year, ""),
                    rng.choice(PROPENSITY),
                )
            )
            if has_user:
                user_id += 1
        cols = ("id", "email", "name", "locale", "password_hash", "is_enabled")
        self.bulk.write("users", cols + ("created_at", "updated_at"), users, started)
        roles = [(p[1], "panelist") for p in self.people if p[1] is not None]
        self.bulk.write(db.metadata.tables["user_roles"], ("user_id", "role"), roles)
        self.bulk.write(
            Member,
            (
                "id",
                "number",
                "user_id",
                "status",
                "paused_until",
                "birth_year",
                "postcode",
                "region",
                "customer_type",
                "years_as_customer",
                "platform",
                "app_usage",
                "attends_physical",
                "physical_region",
                "attends_online",
                "source",
                "joined_at",
                "confirmed_at",
                "activated_at",
                "last_active_at",
                "left_at",
                "leave_reason",
                "accepted_statement_version",
            ),
            members,
        )
        self.bulk.write(
            db.metadata.tables["member_interests"], ("member_id", "interest"), member_interests
        )
        # Who takes part now: the pools rounds and insights draw from.
        self.active = [p for p in self.people if p[2] == "active"]

    def histories(self):
        """Each member's status history and consents, as the joining flow leaves them."""
        rng, started = self.rng, _clock()
        changes, consents = [], []
        for member_id, _, status, joined, left, locale, *_ in self.people:
            confirmed = joined + timedelta(minutes=rng.randint(2, 600))
            changes.append((member_id, None, "applicant", None, None, joined))
            if status == "applicant":
                continue
            consents.append(
                (member_id, "participation", self.statement, locale, "web", confirmed, left)
            )
            if rng.random() < 0.35:
                consents.append(
                    (member_id, "recording", self.statement, locale, "web", confirmed, left)
                )
            if status in ("pending", "reserve", "declined"):
                changes.append((member_id, "applicant", status, None, None, confirmed))
                continue
            active = confirmed + timedelta(hours=rng.randint(0, 48))
            changes.append((member_id, "applicant", "active", None, None, active))
            if status == "paused":
                moment = self.now - DAY * rng.randint(1, 60)
                changes.append((member_id, "active", "paused", None, None, max(moment, active)))
            elif status == "left":
                changes.append((member_id, "active", "left", None, None, left))
            elif status == "removed":
                changes.append(
                    (
                        member_id,
                        "active",
                        "removed",
                        self.manager,
                        rng.choice(REMOVE_REASONS),
                        left,
                    )
                )
            elif rng.random() < 0.1:
                # Paused once and came back.
                moment = active + (self.now - active) * rng.random() * 0.8
                changes.append((member_id, "active", "paused", None, None, moment))
                changes.append(
                    (member_id, "paused", "active", None, None, moment + DAY * rng.randint(7, 90))
                )
        self.bulk.write(
            "status_changes",
            ("member_id", "from_status", "to_status", "actor_id", "reason", "created_at"),
            changes,
            started,
        )
        self.bulk.write(
            "consents",
            (
                "member_id",
                "purpose",
                "statement_version",
                "language",
                "channel",
                "given_at",
                "withdrawn_at",
            ),
            consents,
        )

    # Feedback ------------------------------------------------------------------------------------

    def releases(self):
        """Older monthly releases before the demo's, so that there are `size.releases` in all."""
        rng, started = self.rng, _clock()
        existing = Release.query.order_by(Release.month).all()
        oldest = existing[0].month if existing else date(self.now.year, self.now.month, 1)
        extra = max(self.size.releases - len(existing), 0)
        first, first_change = _next_id(Release), _next_id(ReleaseChange)
        releases, changes = [], []
        change_id = first_change
        pool = [c for group in demo_feedback.CHANGES for c in group]
        owner = self.demo_staff[1] if len(self.demo_staff) > 1 else None
        for back in range(extra, 0, -1):
            index = oldest.year * 12 + oldest.month - 1 - back
            month = date(index // 12, index % 12 + 1, 1)
            opens = _naive_local(month.replace(day=3))
            closes = opens + DAY * 14
            release_id = first + extra - back
            major, minor = divmod(index - (oldest.year * 12 + oldest.month - 1 - 120), 12)
            version = f"{major}.{minor}"
            sample = self.size.sample
            releases.append(
                (
                    release_id,
                    version,
                    month,
                    opens,
                    closes,
                    "sample" if sample else "all",
                    sample,
                    owner,
                    opens - DAY * 5,
                    opens - DAY * 2,
                    opens,
                    0,
                    opens + DAY * 7,
                )
            )
            for position, (t_nl, t_en, d_nl, d_en) in enumerate(
                rng.sample(pool, rng.randint(2, 4))
            ):
                changes.append((change_id, release_id, position, t_nl, t_en, d_nl, d_en))
                change_id += 1
        self.bulk.write(
            Release,
            (
                "id",
                "version",
                "month",
                "opens_at",
                "closes_at",
                "audience",
                "sample_size",
                "created_by_id",
                "created_at",
                "published_at",
                "invited_at",
                "invited_count",
                "reminder_sent_at",
            ),
            releases,
            started,
        )
        self.bulk.write(
            ReleaseChange,
            (
                "id",
                "release_id",
                "position",
                "title_nl",
                "title_en",
                "description_nl",
                "description_en",
            ),
            changes,
        )
        # Every release, oldest first: (id, opens, closes, [change ids]).
        self.release_rows = []
        for release in Release.query.order_by(Release.month, Release.id):
            if release.published_at is None:
                continue
            self.release_rows.append(
                (
                    release.id,
                    _naive(release.opens_at),
                    _naive(release.closes_at),
                    [c.id for c in release.changes],
                )
            )

    def feedback(self):
        """Invitations for every release, answered by about `response_rate` of the invited, with
        ratings of the release's changes and, now and then, a comment or a problem."""
        rng, size, now = self.rng, self.size, self.now
        started = _clock()
        comments = [c[0] for c in demo_feedback.COMMENTS]
        problems = [p[0] for p in demo_feedback.PROBLEMS]
        devices = demo_feedback.DEVICES
        response_id = _next_id_table("feedback_responses")
        boost = size.response_rate / (sum(PROPENSITY) / len(PROPENSITY))
        # What insights can rest on: a sample of the responses with a comment (id, member,
        # release, moment), about 100,000 at most.
        expected = size.members * len(self.release_rows) * size.response_rate * 0.28
        keep = min(1.0, 100_000 / max(expected, 1))
        self.responses = []
        count = len(self.release_rows)
        out = ("applicant", "pending", "reserve", "declined")
        random, ts = rng.random, self.bulk.ts
        invitations = self.bulk.sink(
            "feedback_invitations",
            ("release_id", "member_id", "created_at"),
            started,
            converted=True,
        )
        add_invitation = invitations.add
        trigger = pause_search_trigger()
        responses = self.bulk.sink(
            "feedback_responses",
            (
                "id",
                "release_id",
                "member_id",
                "score",
                "improve_text",
                "problem_device",
                "problem_os",
                "problem_text",
                "customer_type",
                "platform",
                "age_band",
                "created_at",
                "updated_at",
            ),
            started,
            converted=True,
        )
        ratings = self.bulk.sink(
            "change_ratings", ("response_id", "change_id", "rating"), started, after=[responses]
        )
        add_response, add_rating = responses.add, ratings.add
        for index, (release_id, opens, closes, change_ids) in enumerate(self.release_rows):
            cumulative = _scores(index, count)
            top = cumulative[-1]
            window = (min(closes, now) - opens).total_seconds()
            eligible = [
                p
                for p in self.people
                if p[3] < opens and p[2] not in out and (p[4] is None or p[4] > opens)
            ]
            if size.sample and len(eligible) > size.sample:
                eligible = sorted(rng.sample(eligible, size.sample))
            invited = ts(opens - DAY * 2)
            # Answers come in mostly in the first days: moments drawn once per release.
            moments = sorted(
                opens + timedelta(seconds=window * rng.random() ** 2) for _ in range(MOMENTS)
            )
            stamps = [ts(moment) for moment in moments]
            for person in eligible:
                member_id, _, _, _, left, locale, ctype, platform, band, propensity = person
                add_invitation((release_id, member_id, invited))
                if window <= 0 or random() >= propensity * boost:
                    continue
                if left is not None and left < now:
                    member_id = None  # left the panel since: the answer stays, anonymous
                moment = int(random() * MOMENTS)
                created = stamps[moment]
                lang = 1 if locale == "en" else 0
                improve = problem = device = os_name = None
                if rng.random() < 0.25:
                    improve = rng.choice(comments)[lang]
                if rng.random() < 0.05:
                    problem = rng.choice(problems)[lang]
                    device, os_name = rng.choice(devices.get(platform, devices["android"]))
                if (improve or problem) and random() < keep:
                    self.responses.append((response_id, member_id, release_id, moments[moment]))
                add_response(
                    (
                        response_id,
                        release_id,
                        member_id,
                        bisect(cumulative, random() * top),
                        improve,
                        device,
                        os_name,
                        problem,
                        ctype,
                        platform,
                        band,
                        created,
                        created,
                    )
                )
                for change_id in change_ids:
                    draw = random()
                    if draw < 0.5:
                        continue
                    # 15% of the ratings: "haven't used it"; the others 1–5.
                    rating = (
                        None
                        if draw < 0.575
                        else RATINGS[bisect(RATING_CUMULATIVE, (draw - 0.575) / 0.425 * 100)]
                    )
                    add_rating((response_id, change_id, rating))
                response_id += 1
        invitations.close()
        responses.close()
        ratings.close()
        resume_search_trigger(trigger)
        wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
        self.echo(f"  {'(full-text index)':<26} {'':>10} {wall:7.1f} s ({cpu:.1f} s CPU)")

    # Rounds --------------------------------------------------------------------------------------

    def rounds(self):
        """Rounds in every stage over five years, with their actions, timeline and streams."""
        rng, now, started = self.rng, self.now, _clock()
        existing = db.session.execute(text("SELECT count(*) FROM rounds")).scalar()
        extra = max(self.size.rounds - existing, 0)
        first = _next_id_table("rounds")
        stages = ["closed"] * 45 + ["cancelled"] * 5 + ["launch"] * 10
        stages += ["pilot"] * 10 + ["prototype"] * 10 + ["concept"] * 10 + ["idea"] * 10
        owners = self.owners + self.demo_staff[1:3]
        rounds, actions, stage_changes, round_streams = [], [], [], []
        self.round_rows = []  # (id, stage, published, created, visibility)
        for offset in range(extra):
            round_id = first + offset
            theme = rng.choice(demo_rounds.ROUNDS)
            stage = rng.choice(stages)
            # Finished rounds are older; running ones recent.
            age = rng.uniform(200, 5 * 365) if not Stage(stage).is_open else rng.uniform(5, 300)
            created = now - DAY * age
            published = created + DAY * rng.randint(1, 10) if rng.random() > 0.03 else None
            if published is None:
                stage = "idea"
            series = offset // len(demo_rounds.ROUNDS) + 2
            title_nl = f"{theme['title'][0]} ({series})"
            title_en = f"{theme['title'][1]} ({series})"
            visibility = "invited" if rng.random() < 0.1 else "all"
            outcome = demo_rounds.OUTCOMES.get(theme["title"][1])
            done = stage in ("closed", "launch") and published is not None
            outcome_at = published + DAY * rng.randint(60, 180) if done else None
            if outcome_at and outcome_at > now:
                outcome_at = now - DAY
            rounds.append(
                (
                    round_id,
                    title_nl,
                    title_en,
                    theme["summary"][0],
                    theme["summary"][1],
                    theme["question"][0],
                    theme["question"][1],
                    rng.choice(owners),
                    visibility,
                    stage,
                    created,
                    published,
                    outcome[0] if done and outcome else None,
                    outcome[1] if done and outcome else None,
                    outcome_at if done and outcome else None,
                    outcome_at if done and outcome else None,
                )
            )
            for flow_stage, allowed in DEFAULT_ACTIONS.items():
                for action in sorted(a.value for a in allowed):
                    actions.append((round_id, flow_stage.value, action))
            for stream_id, _ in rng.sample(self.streams, rng.randint(1, 2)):
                round_streams.append((round_id, stream_id))
            if published is not None:
                stage_changes.append((round_id, None, "idea", "", "", None, published))
                steps = [s.value for s in FLOW]
                target = steps.index(stage) if stage in steps else rng.randint(0, 3)
                moment = published
                for step in range(1, target + 1):
                    moment = moment + DAY * rng.randint(20, 60)
                    moment = min(moment, now - DAY * (target - step + 1))
                    note = demo_rounds.STAGE_NOTES.get(steps[step], ("", ""))
                    stage_changes.append(
                        (round_id, steps[step - 1], steps[step], note[0], note[1], None, moment)
                    )
                if stage == "cancelled":
                    stage_changes.append(
                        (
                            round_id,
                            steps[target],
                            "cancelled",
                            "We stoppen deze ronde: de plannen zijn veranderd.",
                            "We're stopping this round: plans have changed.",
                            None,
                            min(moment + DAY * 10, now - DAY),
                        )
                    )
            self.round_rows.append((round_id, stage, published, created, visibility, theme))
        self.bulk.write(
            "rounds",
            (
                "id",
                "title_nl",
                "title_en",
                "summary_nl",
                "summary_en",
                "question_nl",
                "question_en",
                "owner_id",
                "visibility",
                "stage",
                "created_at",
                "published_at",
                "outcome_nl",
                "outcome_en",
                "outcome_written_at",
                "outcome_public_at",
            ),
            rounds,
            started,
        )
        self.bulk.write("round_actions", ("round_id", "stage", "action"), actions)
        self.bulk.write(
            "stage_changes",
            ("round_id", "from_stage", "to_stage", "note_nl", "note_en", "actor_id", "created_at"),
            stage_changes,
        )
        self.bulk.write(
            db.metadata.tables["round_streams"], ("round_id", "stream_id"), round_streams
        )

    def round_activity(self):
        """Sessions with registrations, ideas with supports and reactions, invitations."""
        rng, now, size = self.rng, self.now, self.size
        published = [r for r in self.round_rows if r[2] is not None]
        if not published or not self.active:
            return
        pool = self.active
        started = _clock()
        # Sessions.
        existing = db.session.execute(text("SELECT count(*) FROM sessions")).scalar()
        session_count = max(size.sessions - existing, 0)
        first_session = _next_id_table("sessions")
        sessions, self.session_rows = [], []
        for offset in range(session_count):
            round_id, stage, pub, created, visibility, theme = rng.choice(published)
            starts = pub + DAY * rng.uniform(7, 120)
            if Stage(stage).is_open and rng.random() < 0.3:
                starts = now + DAY * rng.uniform(2, 40)
            starts = starts.replace(minute=0, second=0, microsecond=0)
            physical = rng.random() < 0.5
            place = rng.choice(demo_rounds.SESSION_PLACES)
            capacity = rng.randint(8, 30)
            theme_title = theme["title"]
            number = offset % 6 + 1
            title = (f"Sessie {number}: {theme_title[0]}", f"Session {number}: {theme_title[1]}")
            sessions.append(
                (
                    first_session + offset,
                    round_id,
                    title[0],
                    title[1],
                    "physical" if physical else "online",
                    place[0] if physical else None,
                    place[1] if physical else None,
                    place[2] if physical else None,
                    place[3] if physical else None,
                    None if physical else "https://meet.example.nl/klantenteam-" + str(offset),
                    starts,
                    starts + timedelta(hours=2),
                    capacity,
                    0,
                    starts - DAY,
                    starts - DAY if starts < now else None,
                )
            )
            self.session_rows.append((first_session + offset, starts, capacity))
        self.bulk.write(
            "sessions",
            (
                "id",
                "round_id",
                "title_nl",
                "title_en",
                "kind",
                "venue_nl",
                "venue_en",
                "address",
                "city",
                "meeting_link",
                "starts_at",
                "ends_at",
                "capacity",
                "seats_taken",
                "registration_deadline",
                "reminder_sent_at",
            ),
            sessions,
            started,
        )
        # Registrations: about `registrations / sessions` per session; confirmed up to capacity,
        # then the waiting list (future) or cancelled (past); attendance for past sessions.
        existing = db.session.execute(text("SELECT count(*) FROM registrations")).scalar()
        wanted = max(size.registrations - existing, 0)
        per_session = wanted / max(len(self.session_rows), 1)
        first_registration = _next_id_table("registrations")
        registrations, touchpoints = [], []
        remarks = demo_feedback.SESSION_REMARKS
        registration_id = first_registration
        for session_id, starts, capacity in self.session_rows:
            want = min(int(rng.uniform(0.5, 1.5) * per_session), len(pool))
            confirmed = 0
            for p in rng.sample(pool, want):
                created = starts - DAY * rng.uniform(2, 30)
                status = "confirmed"
                if rng.random() < 0.08:
                    status = "cancelled"
                elif confirmed >= capacity:
                    status = "waitlisted" if starts > now else "cancelled"
                if status == "confirmed":
                    confirmed += 1
                attendance = None
                if status == "confirmed" and starts < now:
                    attendance = "attended" if rng.random() < 0.85 else "no_show"
                registrations.append(
                    (
                        registration_id,
                        session_id,
                        p[0],
                        status,
                        created,
                        created if status == "waitlisted" else None,
                        created if status == "confirmed" else None,
                        created + DAY if status == "cancelled" else None,
                        attendance,
                        starts + timedelta(hours=3) if attendance else None,
                    )
                )
                if attendance == "attended" and rng.random() < 0.4:
                    remark = rng.choice(remarks)[1 if p[5] == "en" else 0]
                    touchpoints.append(
                        (
                            registration_id,
                            p[0],
                            rng.choices(SCORES, cum_weights=_scores(1, 2))[0],
                            remark if rng.random() < 0.5 else None,
                            starts + DAY * rng.uniform(0.2, 3),
                        )
                    )
                registration_id += 1
        self.bulk.write(
            "registrations",
            (
                "id",
                "session_id",
                "member_id",
                "status",
                "created_at",
                "waitlisted_at",
                "confirmed_at",
                "cancelled_at",
                "attendance",
                "attendance_marked_at",
            ),
            registrations,
        )
        touchpoints = [t for t in touchpoints if t[4] < now]
        self.bulk.write(
            "touchpoint_responses",
            ("registration_id", "member_id", "score", "better_text", "created_at"),
            touchpoints,
        )
        registrations.clear()
        self._ideas(published, pool)
        self._invitations(published, pool)

    def _ideas(self, published, pool):
        rng, now, size = self.rng, self.now, self.size
        started = _clock()
        existing = db.session.execute(text("SELECT count(*) FROM ideas")).scalar()
        wanted = max(size.ideas - existing, 0)
        # One busy round (the newest still open for ideas) gets 1,000 ideas at L.
        published = [r for r in published if r[5]["ideas"]]
        if not published:
            return
        busy = next((r for r in reversed(published) if r[1] == "idea"), published[-1])
        busy_count = min(wanted // 30, 1000)
        per_round = (wanted - busy_count) / max(len(published), 1)
        first_idea = _next_id_table("ideas")
        statuses = {
            "idea": ["new"] * 6 + ["considering"] * 2,
            "concept": ["new", "considering", "selected", "not_pursued"],
            "prototype": ["considering", "selected", "not_pursued"],
            "pilot": ["selected", "not_pursued"],
            "launch": ["selected", "shipped", "not_pursued"],
            "closed": ["shipped", "not_pursued", "selected"],
            "cancelled": ["new", "not_pursued"],
        }
        ideas, supports, comments = [], [], []
        self.idea_rows, self.comment_rows = [], []
        idea_id = first_idea
        for round_row in published:
            round_id, stage, pub, created, visibility, theme = round_row
            count = busy_count if round_row is busy else int(rng.uniform(0, 2) * per_round)
            window = max((min(now, pub + DAY * 60) - pub).total_seconds(), 3600)
            for _ in range(count):
                author = rng.choice(pool)
                lang = 1 if author[5] == "en" else 0
                title, body = rng.choice(theme["ideas"])[lang]
                moment = pub + timedelta(seconds=window * rng.random())
                status = rng.choice(statuses[stage])
                answer = demo_rounds.ANSWERS.get(status)
                hidden = rng.random() < 0.01
                ideas.append(
                    (
                        idea_id,
                        round_id,
                        author[0],
                        title,
                        body,
                        status,
                        answer[0] if answer else None,
                        answer[1] if answer else None,
                        moment + DAY * 7 if answer else None,
                        0,
                        moment,
                        moment + DAY if hidden else None,
                        "Bevat persoonlijke gegevens." if hidden else None,
                        status in ("selected", "shipped") and rng.random() < 0.5,
                    )
                )
                self.idea_rows.append((idea_id, author[0], round_id, moment))
                backers = min(int(rng.expovariate(1 / 5)), len(pool))
                for backer in rng.sample(pool, backers):
                    supports.append((idea_id, backer[0], moment + DAY * rng.uniform(0, 20)))
                for _ in range(int(rng.expovariate(1 / 1.5))):
                    writer = rng.choice(pool)
                    said = rng.choice(demo_rounds.COMMENTS)[1 if writer[5] == "en" else 0]
                    comments.append((idea_id, writer[0], said, moment + DAY * rng.uniform(0, 20)))
                idea_id += 1
        self.bulk.write(
            "ideas",
            (
                "id",
                "round_id",
                "author_id",
                "title",
                "body",
                "status",
                "answer_nl",
                "answer_en",
                "answered_at",
                "support_count",
                "created_at",
                "hidden_at",
                "hidden_reason",
                "in_outcome",
            ),
            ideas,
            started,
        )
        self.bulk.write("idea_supports", ("idea_id", "member_id", "created_at"), supports)
        first_comment = _next_id_table("comments")
        rows = [(first_comment + i, *c) for i, c in enumerate(comments)]
        self.comment_rows = [(r[0], r[2], r[1], r[4]) for r in rows]  # id, member, idea, created
        self.bulk.write("comments", ("id", "idea_id", "author_id", "body", "created_at"), rows)

    def _invitations(self, published, pool):
        rng, now = self.rng, self.now
        started = _clock()
        invitations = []
        average = max(min(len(pool) // 50, 800), 5)
        for round_id, _stage, pub, _created, visibility, _theme in published:
            if visibility != "invited" and rng.random() > 0.4:
                continue
            for p in rng.sample(pool, min(int(average * rng.uniform(0.5, 1.5)), len(pool))):
                status = rng.choices(("invited", "accepted", "declined"), (5, 4, 1))[0]
                if pub > now - DAY * 30 and rng.random() < 0.5:
                    status = "invited"
                sent = pub + DAY * rng.uniform(0, 1)
                answered = sent + DAY * rng.uniform(0.1, 5) if status != "invited" else None
                invitations.append((round_id, p[0], status, sent, answered))
        self.bulk.write(
            "invitations",
            ("round_id", "member_id", "status", "created_at", "responded_at"),
            invitations,
            started,
        )

    # Insights ------------------------------------------------------------------------------------

    def insights(self):
        """Insights resting on what was said, routed to streams and answered there."""
        rng, now, size = self.rng, self.now, self.size
        started = _clock()
        existing = db.session.execute(text("SELECT count(*) FROM insights")).scalar()
        wanted = max(size.insights - existing, 0)
        first_insight = _next_id_table("insights")
        first_route = _next_id_table("routes")
        authors = self.owners + self.reviewers[:5] + self.demo_staff[1:]
        sources = (
            [("response", r[0], r[1], r[3]) for r in self.responses]
            + [("idea", i[0], i[1], i[3]) for i in self.idea_rows]
            + [("comment", c[0], c[1], c[3]) for c in self.comment_rows]
        )
        if not sources:
            return
        titles = demo_insights.INSIGHTS
        insights, tags, evidence, routes, notes = [], [], [], [], []
        route_id = first_route
        for offset in range(wanted):
            insight_id = first_insight + offset
            kind, source_id, member_id, said = rng.choice(sources)
            created = min(said + DAY * rng.uniform(1, 14), now - timedelta(hours=6))
            title_nl, description, _, _ = rng.choice(titles)
            title_en = demo_insights.TITLES_EN.get(title_nl, "")
            release_id = round_id = None
            insights.append(
                [
                    insight_id,
                    title_nl,
                    title_en,
                    description,
                    round_id,
                    release_id,
                    rng.choice(authors),
                    created,
                    0,
                ]
            )
            chosen = {(kind, source_id): member_id}
            for _ in range(rng.randint(0, 3)):
                other = rng.choice(sources)
                chosen.setdefault((other[0], other[1]), other[2])
            for (ekind, esource), emember in chosen.items():
                evidence.append((insight_id, ekind, esource, emember, insights[-1][6], created))
            for tag_id in rng.sample(self.tags, min(len(self.tags), rng.randint(1, 3))):
                tags.append((insight_id, tag_id))
            age = (now - created).days
            for stream_id, target_days in rng.sample(self.streams, rng.randint(1, 2)):
                due = created + DAY * (target_days * 1.4)
                if age > 45 or rng.random() < 0.3:
                    status = rng.choice(("done", "done", "declined", "planned", "in_progress"))
                else:
                    status = rng.choice(("new", "new", "acknowledged", "in_progress"))
                responded = (
                    created + DAY * rng.uniform(0.2, target_days * 2) if status != "new" else None
                )
                if responded and responded > now:
                    responded = now - timedelta(hours=1)
                decided = (
                    responded + DAY * rng.uniform(0, 20) if status in ("done", "declined") else None
                )
                if decided and decided > now:
                    decided = now - timedelta(minutes=30)
                answer = demo_rounds.ANSWERS["shipped" if status == "done" else "not_pursued"]
                rule = rng.choice(self.rules) if self.rules and rng.random() < 0.7 else None
                answered = decided if decided else None
                # About half of the routes are assigned to one of the stream's reviewers (by the
                # route's number, not the generator's random numbers: the rest stays as it was).
                in_stream = getattr(self, "stream_reviewers", {}).get(stream_id)
                assignee = (
                    in_stream[route_id % len(in_stream)] if in_stream and route_id % 2 else None
                )
                routes.append(
                    (
                        route_id,
                        insight_id,
                        stream_id,
                        status,
                        created,
                        rule,
                        None if rule else insights[-1][6],  # routed by hand: by its author
                        due,
                        responded,
                        decided,
                        answer[0] if answered else None,
                        answer[1] if answered else None,
                        answered,
                        None,
                        assignee,
                    )
                )
                if rng.random() < 0.15 and self.reviewers:
                    notes.append(
                        (
                            route_id,
                            rng.choice(self.reviewers),
                            rng.choice(demo_insights.NOTES),
                            min(created + DAY * rng.uniform(0, 10), now),
                        )
                    )
                route_id += 1
        # The release or round the insight came from, when its first evidence says so.
        response_release = {r[0]: r[2] for r in self.responses}
        idea_round = {i[0]: i[2] for i in self.idea_rows}
        for row, (ekind, esource, *_rest) in zip(insights, _firsts(evidence), strict=True):
            if ekind == "response":
                row[5] = response_release.get(esource)
            elif ekind == "idea":
                row[4] = idea_round.get(esource)
        self.bulk.write(
            "insights",
            (
                "id",
                "title_nl",
                "title_en",
                "description",
                "round_id",
                "release_id",
                "created_by_id",
                "created_at",
                "evidence_count",
            ),
            (tuple(r) for r in insights),
            started,
        )
        self.bulk.write(
            "evidence",
            ("insight_id", "kind", "source_id", "member_id", "added_by_id", "created_at"),
            evidence,
        )
        self.bulk.write(db.metadata.tables["insight_tags"], ("insight_id", "tag_id"), tags)
        self.bulk.write(
            "routes",
            (
                "id",
                "insight_id",
                "stream_id",
                "status",
                "routed_at",
                "rule_id",
                "routed_by_id",
                "due_at",
                "first_response_at",
                "decided_at",
                "answer_nl",
                "answer_en",
                "answered_at",
                "removed_at",
                "assigned_to_id",
            ),
            routes,
        )
        self.bulk.write("internal_notes", ("route_id", "author_id", "body", "created_at"), notes)

    # Notifications, mail, audit ------------------------------------------------------------------

    def messages(self):
        """Notifications, e-mail and audit entries like the demo's, spread over the members."""
        rng, now = self.rng, self.now
        started = _clock()
        templates = [(n.kind, n.params_json, n.link) for n in Notification.query.limit(500).all()]
        users = [p for p in self.people if p[1] is not None]
        notifications = []
        if templates:
            for p in users:
                if rng.random() > 0.3:
                    continue
                for _ in range(rng.randint(1, 4)):
                    kind, params, link = rng.choice(templates)
                    created = now - DAY * rng.expovariate(1 / 90)
                    read = created + DAY * rng.uniform(0, 3) if rng.random() < 0.7 else None
                    notifications.append(
                        (p[1], kind, params, link, created, min(read, now) if read else None)
                    )
        self.bulk.write(
            "notifications",
            ("user_id", "kind", "params_json", "link", "created_at", "read_at"),
            notifications,
            started,
        )
        kinds = sorted({t[0] for t in templates}) or ["panel_news"]
        preferences = [(p[1], rng.choice(kinds), False) for p in users if rng.random() < 0.05]
        self.bulk.write(
            "notification_preferences", ("user_id", "kind", "email_enabled"), preferences
        )
        mails = [
            (m.locale, m.kind, m.subject, m.body_text, m.body_html)
            for m in OutboxMessage.query.limit(200).all()
        ]
        outbox = []
        if mails:
            for p in users:
                if rng.random() > 0.05:
                    continue
                locale, kind, subject, body_text, body_html = rng.choice(mails)
                created = now - DAY * rng.uniform(0.01, 29)
                address = (
                    f"member{p[0]}@example.com" if p[5] == "en" else f"panellid{p[0]}@example.nl"
                )
                outbox.append(
                    (
                        address,
                        locale,
                        kind,
                        subject,
                        body_text,
                        body_html,
                        "sent",
                        1,
                        created,
                        created,
                        created + timedelta(seconds=30),
                        False,
                    )
                )
        self.bulk.write(
            "outbox_messages",
            (
                "to_address",
                "locale",
                "kind",
                "subject",
                "body_text",
                "body_html",
                "status",
                "attempts",
                "created_at",
                "next_attempt_at",
                "sent_at",
                "scrub_after_send",
            ),
            outbox,
        )
        entries = db.session.execute(
            text("SELECT actor_id, action, target_type, target_id, details_json FROM audit_entries")
        ).all()
        audit = []
        if entries:
            for _ in range(max(len(self.people) // 10, 50)):
                actor, action, target_type, target_id, details = rng.choice(entries)
                audit.append(
                    (
                        actor,
                        action,
                        target_type,
                        target_id,
                        details,
                        now - DAY * rng.uniform(0, 5 * 365),
                    )
                )
            audit.sort(key=lambda row: row[5])
        self.bulk.write(
            "audit_entries",
            ("actor_id", "action", "target_type", "target_id", "details_json", "created_at"),
            audit,
        )

    def small_tables(self):
        """Login sessions, failed logins, recovery codes, digests, used form tokens, settings."""
        rng, now = self.rng, self.now
        started = _clock()
        users = [p[1] for p in self.active if p[1] is not None] or self.staff
        sessions = []
        for user_id in rng.sample(users, min(len(users), 500)):
            token = hashlib.sha256(rng.randbytes(32)).hexdigest()
            created = now - DAY * rng.uniform(0, 30)
            remembered = rng.random() < 0.3
            expires = created + (DAY * 30 if remembered else timedelta(hours=12))
            sessions.append((user_id, token, remembered, created, expires, False, 0))
        self.bulk.write(
            "login_sessions",
            (
                "user_id",
                "token_hash",
                "is_remembered",
                "created_at",
                "expires_at",
                "second_factor_pending",
                "code_failures",
            ),
            sessions,
            started,
        )
        failed = [
            (rng.choice(users), now - DAY * rng.uniform(0, 2)) for _ in range(min(len(users), 200))
        ]
        self.bulk.write("failed_logins", ("user_id", "created_at"), failed)
        code_hash = hash_password("recovery-code-volume")
        codes = [
            (user_id, code_hash, now - DAY * rng.uniform(1, 100) if rng.random() < 0.2 else None)
            for user_id in self.reviewers[:5]
            for _ in range(10)
        ]
        self.bulk.write("recovery_codes", ("user_id", "code_hash", "used_at"), codes)
        digests = []
        for weeks_back in range(1, 27):
            moment = now - DAY * 7 * weeks_back
            year, week, _ = moment.isocalendar()
            for user_id in self.reviewers:
                digests.append((user_id, f"{year}-W{week:02d}", moment))
        self.bulk.write("digest_log", ("user_id", "week", "sent_at"), digests)
        tokens = [
            (
                rng.randbytes(15).hex() + "0" * 8,
                "/nl/",
                now - DAY * rng.uniform(0, 2),
            )
            for _ in range(300)
        ]
        self.bulk.write("form_submissions", ("token", "location", "created_at"), tokens)
        if not db.session.execute(text("SELECT count(*) FROM panel_settings")).scalar():
            self.bulk.write(
                "panel_settings",
                (
                    "id",
                    "manual_approval",
                    "accept_non_customers",
                    "max_invitations_per_30_days",
                    "rest_days_after_taking_part",
                ),
                [(1, False, False, 3, 14)],
            )


def _firsts(evidence):
    """The first evidence row of each insight, in insight order."""
    seen = set()
    for row in evidence:
        if row[0] not in seen:
            seen.add(row[0])
            yield row[1:]


def _next_id_table(name):
    value = db.session.execute(text(f"SELECT max(id) FROM {name}")).scalar()  # noqa: S608 # nosec B608: names from the models
    return (value or 0) + 1


def _naive_local(day):
    """08:00 Amsterdam time on `day`, as naive UTC (07:00 or 06:00 UTC)."""
    local = datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo("Europe/Amsterdam"))
    return _naive(local)


# Search index and kept counts --------------------------------------------------------------------


def pause_search_trigger():
    """SQLite: drop the full-text insert trigger for a bulk load (returns its SQL, or None)."""
    if db.engine.dialect.name != "sqlite":
        return None
    sql = db.session.execute(
        text("SELECT sql FROM sqlite_master WHERE type='trigger' AND name='feedback_search_insert'")
    ).scalar()
    if sql:
        db.session.execute(text("DROP TRIGGER feedback_search_insert"))
        db.session.commit()
    return sql


def resume_search_trigger(sql):
    """SQLite: rebuild the full-text index from the comments and put the trigger back."""
    if db.engine.dialect.name != "sqlite":
        return
    db.session.execute(text("INSERT INTO feedback_search(feedback_search) VALUES ('rebuild')"))
    db.session.execute(text(sql or SQLITE_SEARCH[1]))
    db.session.commit()


def recount_kept():
    """Set every kept count from a recount of the rows it counts."""
    statements = [
        "UPDATE releases SET invited_count = (SELECT count(*) FROM feedback_invitations i"
        " WHERE i.release_id = releases.id)",
        "UPDATE sessions SET seats_taken = (SELECT count(*) FROM registrations r"
        " WHERE r.session_id = sessions.id AND r.status = 'confirmed')",
        "UPDATE ideas SET support_count = (SELECT count(*) FROM idea_supports s"
        " WHERE s.idea_id = ideas.id)",
        "UPDATE insights SET evidence_count = (SELECT count(*) FROM evidence e"
        " WHERE e.insight_id = insights.id)",
    ]
    for statement in statements:
        db.session.execute(text(statement))
    _recount_scores()


def _recount_scores():
    """score_counts and rating_counts: the full grid of every published release, recounted."""
    published = (
        db.session.execute(text("SELECT id FROM releases WHERE published_at IS NOT NULL"))
        .scalars()
        .all()
    )
    counts = {}
    for kind in SEGMENT_KINDS:
        column = "''" if kind == "all" else f"coalesce({kind}, '')"
        rows = db.session.execute(
            text(
                f"SELECT release_id, {column}, score, count(*) FROM feedback_responses"  # noqa: S608 # nosec B608: names from the models
                " GROUP BY 1, 2, 3"
            )
        )
        for release_id, value, score, count in rows:
            if value not in SEGMENT_VALUES[kind]:
                value = ""
            key = (release_id, kind, value, score)
            counts[key] = counts.get(key, 0) + count
    db.session.execute(text("DELETE FROM score_counts"))
    grid = [
        {
            "release_id": release_id,
            "segment_kind": kind,
            "segment_value": value,
            "score": score,
            "count": counts.get((release_id, kind, value, score), 0),
        }
        for release_id in published
        for kind in SEGMENT_KINDS
        for value in SEGMENT_VALUES[kind]
        for score in range(11)
    ]
    table = db.metadata.tables["score_counts"]
    for start in range(0, len(grid), CHUNK):
        db.session.execute(table.insert(), grid[start : start + CHUNK])
    ratings = {
        (change_id, rating): count
        for change_id, rating, count in db.session.execute(
            text(
                "SELECT change_id, coalesce(rating, 0), count(*) FROM change_ratings GROUP BY 1, 2"
            )
        )
    }
    changes = (
        db.session.execute(
            text(
                "SELECT c.id FROM release_changes c JOIN releases r ON r.id = c.release_id"
                " WHERE r.published_at IS NOT NULL"
            )
        )
        .scalars()
        .all()
    )
    db.session.execute(text("DELETE FROM rating_counts"))
    rows = [
        {"change_id": change_id, "rating": rating, "count": ratings.get((change_id, rating), 0)}
        for change_id in changes
        for rating in range(6)
    ]
    if rows:
        db.session.execute(db.metadata.tables["rating_counts"].insert(), rows)


def finish_bulk_load():
    """PostgreSQL: move every id sequence past the ids written here; statistics for the planner."""
    if db.engine.dialect.name == "postgresql":
        for table in db.metadata.sorted_tables:
            column = table.c.get("id")
            if column is None or not column.primary_key or column.type.python_type is not int:
                continue
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608 # nosec B608: names from the models
                    f" coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))


def generate(size, seed=None, echo=print):
    """Fill an empty database at `size` (a name in SIZES, or a Size): the demo, then volume.

    Returns the demo's [(role, e-mail)] to log in with, and {table: rows written in bulk}."""
    size = SIZES[size] if isinstance(size, str) else size
    seed = 2026 if seed is None else seed
    started = _clock()
    accounts = load_demo(seed=seed)
    db.session.commit()
    wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
    echo(f"  {'demo (staff and story)':<26} {'':>10} {wall:7.1f} s ({cpu:.1f} s CPU)")
    return accounts, Volume(size, seed, echo).run()


def kept_counts_problems():
    """[(what, rows that differ)] where a kept count differs from a recount (for tests, checks).

    Each recount is one grouped query joined to the kept rows (no query per row)."""
    checks = {
        "releases.invited_count": (
            "SELECT count(*) FROM releases k LEFT JOIN (SELECT release_id, count(*) n"
            " FROM feedback_invitations GROUP BY release_id) x ON x.release_id = k.id"
            " WHERE k.invited_count <> coalesce(x.n, 0)"
        ),
        "sessions.seats_taken": (
            "SELECT count(*) FROM sessions k LEFT JOIN (SELECT session_id, count(*) n"
            " FROM registrations WHERE status = 'confirmed' GROUP BY session_id) x"
            " ON x.session_id = k.id WHERE k.seats_taken <> coalesce(x.n, 0)"
        ),
        "ideas.support_count": (
            "SELECT count(*) FROM ideas k LEFT JOIN (SELECT idea_id, count(*) n"
            " FROM idea_supports GROUP BY idea_id) x ON x.idea_id = k.id"
            " WHERE k.support_count <> coalesce(x.n, 0)"
        ),
        "insights.evidence_count": (
            "SELECT count(*) FROM insights k LEFT JOIN (SELECT insight_id, count(*) n"
            " FROM evidence GROUP BY insight_id) x ON x.insight_id = k.id"
            " WHERE k.evidence_count <> coalesce(x.n, 0)"
        ),
        "score_counts": (
            "SELECT count(*) FROM score_counts k LEFT JOIN (SELECT release_id, score, count(*) n"
            " FROM feedback_responses GROUP BY release_id, score) x"
            " ON x.release_id = k.release_id AND x.score = k.score"
            " WHERE k.segment_kind = 'all' AND k.count <> coalesce(x.n, 0)"
        ),
        # Every breakdown adds up to all the release's responses.
        "score_counts per segment kind": (
            "SELECT count(*) FROM (SELECT release_id, segment_kind, sum(count) total"
            " FROM score_counts GROUP BY release_id, segment_kind) k LEFT JOIN"
            " (SELECT release_id, count(*) n FROM feedback_responses GROUP BY release_id) x"
            " ON x.release_id = k.release_id WHERE k.total <> coalesce(x.n, 0)"
        ),
        "rating_counts": (
            "SELECT count(*) FROM rating_counts k LEFT JOIN (SELECT change_id,"
            " coalesce(rating, 0) rating, count(*) n FROM change_ratings"
            " GROUP BY change_id, coalesce(rating, 0)) x"
            " ON x.change_id = k.change_id AND x.rating = k.rating"
            " WHERE k.count <> coalesce(x.n, 0)"
        ),
        "responses without score counts": (
            "SELECT count(*) FROM feedback_responses r WHERE NOT EXISTS (SELECT 1 FROM"
            " score_counts k WHERE k.release_id = r.release_id AND k.segment_kind = 'all'"
            " AND k.score = r.score)"
        ),
        # Triage holds what panelists said could be better after a session, and nothing else
        # of that kind (a rating without words is no contribution).
        "triage_items of session feedback": (
            "SELECT (SELECT count(*) FROM touchpoint_responses t"
            " WHERE coalesce(trim(t.better_text), '') <> '' AND NOT EXISTS (SELECT 1 FROM"
            " triage_items i WHERE i.kind = 'touchpoint' AND i.source_id = t.id))"
            " + (SELECT count(*) FROM triage_items i WHERE i.kind = 'touchpoint' AND NOT EXISTS"
            " (SELECT 1 FROM touchpoint_responses t WHERE t.id = i.source_id"
            " AND coalesce(trim(t.better_text), '') <> ''))"
        ),
    }
    problems = []
    for what, sql in checks.items():
        differ = db.session.execute(text(sql)).scalar()
        if differ:
            problems.append((what, differ))
    return problems


__all__ = ["SIZES", "Size", "generate", "kept_counts_problems", "recount_kept"]
