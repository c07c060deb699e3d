"""Query budgets: each main page runs as many queries for 50 rows as for 5, and no more than its
budget (HOUSE_STYLE.md, point 16). Rows are inserted in bulk through the models."""

import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from panel.accounts.models import User, UserRole
from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.audit import AuditEntry
from panel.database import utcnow
from panel.feedback.models import (
    ChangeRating,
    FeedbackInvitation,
    Release,
    ReleaseChange,
    Response,
    TouchpointResponse,
)
from panel.insights.models import Evidence, Insight, Route, RoutingRule, Tag, insight_tags
from panel.membership.models import Consent, Member, MemberInterest, QuotaTarget, StatusChange
from panel.membership.news import NewsItem
from panel.membership.segments import AgeBand, CustomerType, Region
from panel.notifications.models import Notification
from panel.rounds.models import (
    Comment,
    Idea,
    Invitation,
    Registration,
    Round,
    RoundAction,
    Session,
)
from panel.security import Role

SMALL, LARGE = 5, 50


class Rows:
    """Rows made cheaply: one INSERT … RETURNING per kind, committed at once."""

    def __init__(self, session):
        self.session = session
        self.serial = itertools.count(1)

    def take(self, n):
        return [next(self.serial) for _ in range(n)]

    def add(self, model, rows):
        """Insert `rows` (dicts); the new ids in the same order (None for tables without an id)."""
        if not rows:
            return []
        if "id" not in model.__table__.c:
            self.session.execute(insert(model), rows)
            self.session.commit()
            return [None] * len(rows)
        ids = self.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), rows
        ).all()
        self.session.commit()
        return ids

    def users(self, n):
        return self.add(
            User,
            [
                {"email": f"bulk{k}@example.org", "name": f"Bulk User {k}", "locale": "en"}
                for k in self.take(n)
            ],
        )

    def members(self, n, **values):
        return self.add(
            Member,
            [
                {
                    "number": 1_000_000 + k,
                    "user_id": user_id,
                    "status": "active",
                    "birth_year": 1980 + k % 40,
                    "customer_type": "prepaid",
                    "region": "utrecht",
                    "platform": "android",
                    "activated_at": utcnow(),
                    **values,
                }
                for k, user_id in zip(self.take(n), self.users(n), strict=True)
            ],
        )

    def rounds(self, n, owner=None, **values):
        return self.add(
            Round,
            [
                {
                    "title_nl": f"Ronde {k}",
                    "title_en": f"Round {k}",
                    "summary_nl": "Samen",
                    "summary_en": "Together",
                    "question_nl": "Wat?",
                    "question_en": "What?",
                    "owner_id": owner.id if owner else None,
                    "published_at": utcnow(),
                    "stage": "idea",
                    "visibility": "all",
                    **values,
                }
                for k in self.take(n)
            ],
        )

    def sessions(self, round_id, n, starts_in=timedelta(days=7), **values):
        starts = utcnow() + starts_in
        return self.add(
            Session,
            [
                {
                    "round_id": round_id,
                    "title_nl": f"Sessie {k}",
                    "title_en": f"Session {k}",
                    "kind": "online",
                    "capacity": 100,
                    "seats_taken": 1,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "registration_deadline": starts - timedelta(hours=1),
                    "meeting_link": "https://meet.example.com/room",
                    **values,
                }
                for k in self.take(n)
            ],
        )

    def registrations(self, member_ids, session_ids, **values):
        return self.add(
            Registration,
            [
                {
                    "session_id": session_id,
                    "member_id": member_id,
                    "status": "confirmed",
                    "confirmed_at": utcnow(),
                    **values,
                }
                for member_id, session_id in zip(member_ids, session_ids, strict=True)
            ],
        )

    def ideas(self, round_id, n, author_ids=None, **values):
        return self.add(
            Idea,
            [
                {
                    "round_id": round_id,
                    "author_id": author_id,
                    "title": f"Idea {k}",
                    "body": "Make it simpler",
                    **values,
                }
                for k, author_id in zip(self.take(n), author_ids or [None] * n, strict=True)
            ],
        )

    def comments(self, idea_ids, author_ids):
        return self.add(
            Comment,
            [
                {"idea_id": idea_id, "author_id": author_id, "body": "Yes, please"}
                for idea_id, author_id in zip(idea_ids, author_ids, strict=True)
            ],
        )

    def releases(self, n, opens_in=timedelta(hours=-1), closes_in=timedelta(days=7)):
        now = utcnow()
        return self.add(
            Release,
            [
                {
                    "version": f"12.{k}",
                    "month": now.date().replace(day=1),
                    "opens_at": now + opens_in,
                    "closes_at": now + closes_in,
                    "published_at": now,
                    "audience": "all",
                }
                for k in self.take(n)
            ],
        )

    def responses(self, release_ids, member_ids, **values):
        return self.add(
            Response,
            [
                {
                    "release_id": release_id,
                    "member_id": member_id,
                    "score": 8,
                    "improve_text": "Faster",
                    "problem_text": "It froze",
                    "problem_device": "Fairphone",
                    "customer_type": "prepaid",
                    "platform": "android",
                    "age_band": "35-44",
                    **values,
                }
                for release_id, member_id in zip(release_ids, member_ids, strict=True)
            ],
        )

    def insights(self, n, **values):
        return self.add(
            Insight,
            [
                {
                    "title_nl": f"Inzicht {k}",
                    "title_en": f"Insight {k}",
                    "description": "Seen often",
                    "evidence_count": 1,
                    **values,
                }
                for k in self.take(n)
            ],
        )

    def routes(self, insight_ids, stream_ids, **values):
        return self.add(
            Route,
            [
                {
                    "insight_id": insight_id,
                    "stream_id": stream_id,
                    "status": "new",
                    "due_at": utcnow() + timedelta(days=2),
                    **values,
                }
                for insight_id, stream_id in zip(insight_ids, stream_ids, strict=True)
            ],
        )

    def evidence(self, insight_ids, kind, source_ids, member_ids):
        return self.add(
            Evidence,
            [
                {
                    "insight_id": insight_id,
                    "kind": kind,
                    "source_id": source_id,
                    "member_id": member_id,
                }
                for insight_id, source_id, member_id in zip(
                    insight_ids, source_ids, member_ids, strict=True
                )
            ],
        )


@pytest.fixture
def rows(db):
    seed_default_streams()
    db.session.commit()
    return Rows(db.session)


@pytest.fixture
def check_budget(client, count_queries):
    """check_budget(url, add_rows, budget, shows=None): render the page with 5 rows and with 50
    (add_rows(n) adds n more), as many queries both times and no more than the budget."""

    def check(url, add_rows, budget, shows=None):
        counts, added = [], 0
        for total in (SMALL, LARGE):
            add_rows(total - added)
            added = total
            with count_queries() as queries:
                response = client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
            if shows:  # the page still shows what the queries are for
                assert shows in response.get_data(as_text=True)
            counts.append(queries)
        small, large = counts
        assert small.count == large.count, (
            f"{url}: {small.count} queries for {SMALL} rows, {large.count} for {LARGE}:\n{large}"
        )
        assert large.count <= budget, f"{url}: {large.count} queries, budget {budget}:\n{large}"

    return check


@pytest.fixture
def member(make_member, login_as):
    member = make_member()
    login_as(member.user)
    return member


@pytest.fixture
def staff(make_user, login_as):
    """staff(Role.X) → a logged-in staff user."""

    def make(*roles):
        user = make_user(roles=list(roles))
        login_as(user)
        return user

    return make


# Panelists' pages -----------------------------------------------------------------------------


def test_panelist_dashboard(rows, member, check_budget):
    """Invitations (open and accepted), open rounds with free seats, upcoming sessions, sessions
    to rate and open releases."""
    (round_id,) = rows.rounds(1)

    def add(n):
        invited = rows.rounds(n)
        rows.add(Invitation, [{"round_id": r, "member_id": member.id} for r in invited])
        accepted = rows.rounds(n)
        rows.add(
            Invitation,
            [{"round_id": r, "member_id": member.id, "status": "accepted"} for r in accepted],
        )
        with_seats = rows.rounds(n)
        rows.add(
            RoundAction,
            [{"round_id": r, "stage": "idea", "action": "register"} for r in with_seats],
        )
        for open_round in with_seats:
            rows.sessions(open_round, 2)
        rows.registrations([member.id] * n, rows.sessions(round_id, n))
        attended = rows.sessions(round_id, n, starts_in=timedelta(days=-2))
        rows.registrations([member.id] * n, attended, attendance="attended")
        rows.releases(n)

    # 10: one query (constant) finds the open rounds with free seats; one counts Your impact,
    # one reads the latest thank-yous (issue 17).
    check_budget("/en/me", add, budget=10, shows="2 sessions with free seats in Round")


def test_rounds_list(rows, member, check_budget):
    # 3: the list is paged; one query counts the rounds for the page links.
    check_budget("/en/rounds", lambda n: rows.rounds(n), budget=3)


def test_round_page(rows, member, check_budget):
    """Ideas with their reactions, and sessions the member registered for."""
    (round_id,) = rows.rounds(1)

    def add(n):
        authors = rows.members(n)
        ideas = rows.ideas(round_id, n, authors)
        rows.comments(ideas + ideas, authors + authors)
        rows.registrations([member.id] * n, rows.sessions(round_id, n))

    # 12: one query (constant) finds the member's confirmed sessions that overlap a session here.
    # 13: the round's categories, for the idea form, the filter and the cards (issue 15).
    check_budget(f"/en/rounds/{round_id}", add, budget=13, shows="2 reactions")


def test_idea_page(rows, member, check_budget):
    (round_id,) = rows.rounds(1)
    (idea_id,) = rows.ideas(round_id, 1, [member.id])

    def add(n):
        rows.comments([idea_id] * n, rows.members(n))

    # 8: the replies of the page's reactions come in one more query (issue 15); 9: the ideas
    # merged into this one, in one query.
    check_budget(f"/en/rounds/{round_id}/ideas/{idea_id}", add, budget=9, shows="Panelist #")


def test_feedback_form(rows, member, check_budget):
    """A release's changes and the member's earlier ratings of them."""
    (release_id,) = rows.releases(1)
    (response_id,) = rows.responses([release_id], [member.id])

    def add(n):
        changes = rows.add(
            ReleaseChange,
            [
                {
                    "release_id": release_id,
                    "position": k,
                    "title_nl": f"Wijziging {k}",
                    "title_en": f"Change {k}",
                    "description_nl": "Nieuw",
                    "description_en": "New",
                }
                for k in rows.take(n)
            ],
        )
        rows.add(
            ChangeRating,
            [
                {"response_id": response_id, "change_id": change_id, "rating": 4}
                for change_id in changes
            ],
        )

    check_budget(f"/en/feedback/{release_id}", add, budget=5, shows="Change ")


def test_my_feedback(rows, member, check_budget):
    """Releases asked of everyone and of a sample the member is in, some answered: paged."""

    def add(n):
        everyone = rows.releases(n)
        sample = rows.releases(n)
        rows.add(FeedbackInvitation, [{"release_id": r, "member_id": member.id} for r in sample])
        rows.responses(everyone[: n // 2], [member.id] * (n // 2))
        rows.session.query(Release).filter(Release.id.in_(sample)).update(
            {"audience": "sample", "sample_size": 10}
        )
        rows.session.commit()

    check_budget("/en/feedback", add, budget=5, shows="Give feedback")


def test_my_contributions(rows, member, check_budget):
    """Ideas, reactions, app feedback and sessions, each in an insight with an answered route."""
    stream_ids = [s.id for s in Stream.query.order_by(Stream.position)]

    def add(n):
        rounds = rows.rounds(
            n, stage="launch", outcome_nl="Klaar", outcome_en="Done", outcome_written_at=utcnow()
        )
        ideas = [rows.ideas(r, 1, [member.id], in_outcome=True)[0] for r in rounds]
        others = [rows.ideas(r, 1)[0] for r in rounds]
        comments = rows.comments(others, [member.id] * n)
        responses = rows.responses(rows.releases(n), [member.id] * n)
        sessions = [rows.sessions(r, 1, starts_in=timedelta(days=-2))[0] for r in rounds]
        rows.registrations([member.id] * n, sessions, attendance="attended")
        for kind, sources in (
            ("idea", ideas),
            ("comment", comments),
            ("response", responses),
            ("session", sessions),
        ):
            insights = rows.insights(n)
            rows.evidence(insights, kind, sources, [member.id] * n)
            rows.routes(
                insights,
                itertools.islice(itertools.cycle(stream_ids), n),
                status="planned",
                answer_nl="Komt eraan",
                answer_en="Coming",
                answered_at=utcnow(),
            )

    check_budget("/en/me/contributions", add, budget=12, shows="Coming")


# Staff pages -----------------------------------------------------------------------------------


def test_release_results(rows, staff, check_budget):
    """A release's results, with its comments counted per score group (links into triage)."""
    staff(Role.PRODUCT_OWNER)
    (release_id,) = rows.releases(1, opens_in=timedelta(days=-10), closes_in=timedelta(days=-1))
    rows.insights(3)

    def add(n):
        rows.responses([release_id] * n, rows.members(n))

    # 12: one for the releases whose feedback window overlaps (the manager is warned).
    check_budget(
        f"/en/results/releases/{release_id}", add, budget=12, shows="All comments in triage"
    )


def test_results_overview(rows, staff, check_budget):
    """The NPS trend over the releases (up to five years) and the drafts."""
    staff(Role.PRODUCT_OWNER)

    def add(n):
        rows.responses(rows.releases(n, closes_in=timedelta(hours=-1)), rows.members(n))

    check_budget("/en/results/", add, budget=4, shows="12.")


def test_member_list(rows, staff, check_budget):
    staff(Role.PANEL_MANAGER)
    check_budget("/en/manage/members", lambda n: rows.members(n), budget=3)


def test_member_detail(rows, staff, make_member, check_budget):
    """Status history by several colleagues, consents, sessions and invitations."""
    staff(Role.PANEL_MANAGER)
    member = make_member()
    rows.add(MemberInterest, [{"member_id": member.id, "interest": i} for i in ("app", "network")])
    (round_id,) = rows.rounds(1)

    def add(n):
        rows.add(
            StatusChange,
            [
                {
                    "member_id": member.id,
                    "from_status": "pending",
                    "to_status": "active",
                    "actor_id": actor,
                }
                for actor in rows.users(n)
            ],
        )
        rows.add(
            Consent,
            [
                {
                    "member_id": member.id,
                    "purpose": "recording",
                    "statement_version": 1,
                    "language": "en",
                }
                for _ in range(n)
            ],
        )
        rows.registrations([member.id] * n, rows.sessions(round_id, n))
        rows.add(Invitation, [{"round_id": r, "member_id": member.id} for r in rows.rounds(n)])

    # 8: with the member's thank-yous in their history (issue 17)
    check_budget(f"/en/manage/members/{member.id}", add, budget=8, shows="Bulk User")


def test_panel_health(rows, staff, check_budget):
    """Composition against many quotas; members, leavers and session answers behind the figures."""
    staff(Role.PANEL_MANAGER)
    segments = itertools.product(CustomerType.values(), AgeBand.values(), Region.values())

    def add(n):
        rows.add(
            QuotaTarget,
            [
                {"customer_type": c, "age_band": a, "region": r, "target": 10}
                for c, a, r in itertools.islice(segments, n)
            ],
        )
        rows.members(n)
        rows.members(n, status="left", left_at=utcnow(), leave_reason="too_busy", user_id=None)
        rows.add(TouchpointResponse, [{"score": 9} for _ in range(n)])

    check_budget("/en/manage/health", add, budget=16)


def test_session_page(rows, staff, check_budget):
    """The participants of a session at a location, by name."""
    owner = staff(Role.PRODUCT_OWNER)
    (round_id,) = rows.rounds(1, owner=owner)
    (session_id,) = rows.sessions(
        round_id,
        1,
        starts_in=timedelta(hours=-3),
        kind="physical",
        venue_nl="Hoofdkantoor",
        venue_en="Head office",
        city="Utrecht",
        meeting_link=None,
        capacity=200,
    )

    def add(n):
        members = rows.members(n)
        rows.add(MemberInterest, [{"member_id": m, "interest": "app"} for m in members])
        rows.registrations(members, [session_id] * n)

    check_budget(
        f"/en/owner/rounds/{round_id}/sessions/{session_id}", add, budget=4, shows="Bulk User"
    )


def test_insights_inbox(rows, staff, db, check_budget):
    """Routes over all streams, each insight with a tag."""
    reviewer = staff(Role.REVIEWER)
    stream_ids = [s.id for s in Stream.query.order_by(Stream.position)]
    rows.add(StreamMember, [{"stream_id": s, "user_id": reviewer.id} for s in stream_ids])
    tag_ids = rows.add(Tag, [{"name_nl": f"Label {k}", "name_en": f"Tag {k}"} for k in range(3)])

    def add(n):
        insights = rows.insights(n)
        rows.routes(insights, itertools.islice(itertools.cycle(stream_ids), n))
        db.session.execute(
            insert(insight_tags), [{"insight_id": i, "tag_id": tag_ids[i % 3]} for i in insights]
        )
        db.session.commit()

    check_budget("/en/insights/inbox", add, budget=7, shows="Tag ")


def add_evidence_of_every_kind(rows, insight_id):
    """add(n): n more pieces of evidence, of every kind, each from a different panelist."""
    (round_id,) = rows.rounds(1)
    (release_id,) = rows.releases(1)
    (idea_id,) = rows.ideas(round_id, 1)

    def add(n):
        members = rows.members(n)
        kinds = ["response", "idea", "comment", "session"]
        by_kind = {kind: members[i::4] for i, kind in enumerate(kinds)}
        sources = {
            "response": rows.responses(
                [release_id] * len(by_kind["response"]), by_kind["response"]
            ),
            "idea": rows.ideas(round_id, len(by_kind["idea"]), by_kind["idea"]),
            "comment": rows.comments([idea_id] * len(by_kind["comment"]), by_kind["comment"]),
            "session": rows.sessions(round_id, len(by_kind["session"]), notes="Queues at the desk"),
        }
        for kind in kinds:
            authors = by_kind[kind] if kind != "session" else [None] * len(sources[kind])
            rows.evidence([insight_id] * len(sources[kind]), kind, sources[kind], authors)

    return add


def test_insight_detail(rows, staff, check_budget):
    """Evidence of every kind, from different panelists; routes to every stream, each by a rule."""
    staff(Role.PRODUCT_OWNER)
    stream_ids = [s.id for s in Stream.query.order_by(Stream.position)]
    (insight_id,) = rows.insights(1)
    rule_ids = rows.add(
        RoutingRule,
        [{"name": f"Rule {stream_id}", "keywords": "queue"} for stream_id in stream_ids],
    )
    for stream_id, rule_id in zip(stream_ids, rule_ids, strict=True):
        rows.routes([insight_id], [stream_id], rule_id=rule_id)

    check_budget(
        f"/en/insights/{insight_id}",
        add_evidence_of_every_kind(rows, insight_id),
        # 13, the insights merged into this one (issue 16), the changes that shipped it and the
        # releases it can be linked to (issue 17)
        budget=16,
        shows="Rule ",
    )


def test_insight_route_page(rows, staff, check_budget):
    """A reviewer works on an insight in their stream: the same evidence, quoted."""
    reviewer = staff(Role.REVIEWER)
    stream_id = Stream.query.order_by(Stream.position).first().id
    rows.add(StreamMember, [{"stream_id": stream_id, "user_id": reviewer.id}])
    (insight_id,) = rows.insights(1)
    (route_id,) = rows.routes([insight_id], [stream_id])

    check_budget(
        f"/en/insights/inbox/{route_id}",
        add_evidence_of_every_kind(rows, insight_id),
        budget=13,  # 12, and the releases it can be closed as shipped in (issue 17)
    )


def test_audit_log(rows, staff, check_budget):
    """Entries by many different colleagues."""
    staff(Role.ADMIN)

    def add(n):
        rows.add(
            AuditEntry,
            [
                {
                    "actor_id": actor,
                    "action": "user.update",
                    "target_type": "users",
                    "target_id": actor,
                    "details_json": '{"roles": ["reviewer"]}',
                }
                for actor in rows.users(n)
            ],
        )

    check_budget("/en/admin/audit", add, budget=4, shows="Bulk User")
    # 4: the session, the filter form's staff for "Who" (staff only, not the entries' actors),
    # a page of entries with their actors, and the count for the pager (issue 16's filters).


# Pages whose rows show relationships that are lazy now ------------------------------------------


def test_owner_idea_page(rows, staff, check_budget):
    """The owner's view of an idea: a page of reactions with their authors, their replies (one
    query) and the make-insight tools; the count of reactions for the pager."""
    owner = staff(Role.PRODUCT_OWNER)
    (round_id,) = rows.rounds(1, owner=owner)
    (idea_id,) = rows.ideas(round_id, 1, rows.members(1))
    rows.insights(3)

    def add(n):
        rows.comments([idea_id] * n, rows.members(n))

    check_budget(
        f"/en/owner/rounds/{round_id}/ideas/{idea_id}", add, budget=8, shows="Add to insight"
    )  # 6: the make-insight tools are two links, no select of recent insights (issue 16);
    # 8: the changes that ship it and the releases it can be linked to (issue 17)


def test_insights_index(rows, staff, check_budget):
    """Insights with their tags and the streams they are in."""
    staff(Role.PANEL_MANAGER)
    stream_ids = [s.id for s in Stream.query.order_by(Stream.position)]
    tag_ids = rows.add(Tag, [{"name_nl": f"Label {k}", "name_en": f"Tag {k}"} for k in range(3)])

    def add(n):
        insights = rows.insights(n)
        rows.routes(insights, itertools.islice(itertools.cycle(stream_ids), n))
        rows.session.execute(
            insert(insight_tags), [{"insight_id": i, "tag_id": tag_ids[i % 3]} for i in insights]
        )
        rows.session.commit()

    # 5, and the filters' choices: streams, tags and who made insights (issue 16).
    check_budget("/en/insights/", add, budget=8, shows="Tag ")


def test_users_list(rows, staff, check_budget):
    """Colleagues with their roles."""
    staff(Role.ADMIN)

    def add(n):
        users = rows.users(n)
        rows.add(UserRole, [{"user_id": u, "role": "reviewer"} for u in users])

    # 8 with the outbox alert (mail failing for an hour), one query whatever the rows.
    check_budget("/en/admin/users", add, budget=5, shows="Reviewer")


def add_news(rows, n, sent=True, english=None):
    now = utcnow()
    return rows.add(
        NewsItem,
        [
            {
                "subject_nl": f"Nieuws {k}",
                "subject_en": f"News {k}" if (k % 2 if english is None else english) else "",
                "body_nl": "Tekst",
                "body_en": "Text" if (k % 2 if english is None else english) else "",
                "created_at": now,
                "updated_at": now,
                "sent_at": now if sent else None,
                "recipient_count": 10,
            }
            for k in rows.take(n)
        ],
    )


def test_news_list(rows, staff, check_budget):
    """Sent news, paged, and the drafts above it."""
    staff(Role.PANEL_MANAGER)

    def add(n):
        add_news(rows, n)
        add_news(rows, 1, sent=False)

    check_budget("/en/manage/news", add, budget=4, shows="(in Dutch)")


def test_news_page(rows, member, check_budget):
    """One news item as a member reads it (the rows are other news)."""
    news_id = add_news(rows, 1, english=False)[0]
    check_budget(f"/en/news/{news_id}", lambda n: add_news(rows, n), budget=2, shows="(in Dutch)")


# Long lists, paged (issue 13): the query count doesn't depend on how long the list is --------


def test_notifications_list(rows, member, check_budget):
    def add(n):
        rows.add(
            Notification,
            [{"user_id": member.user_id, "kind": "welcome", "link": "/en/me"} for _ in range(n)],
        )

    check_budget("/en/notifications", add, budget=6, shows="Welcome to the panel!")


def test_owner_rounds_list(rows, staff, check_budget):
    """Rounds with their owners (each row names one): joined, not loaded per row."""
    staff(Role.PANEL_MANAGER)

    def add(n):
        for _ in range(n):
            (owner,) = rows.users(1)
            rows.rounds(1, owner=SimpleNamespace(id=owner))

    check_budget("/en/owner/rounds", add, budget=6, shows="Bulk User")


def test_owner_round_page(rows, staff, check_budget):
    """The owner's view of a round: its ideas, paged, with the count of all of them."""
    owner = staff(Role.PRODUCT_OWNER)
    (round_id,) = rows.rounds(1, owner=owner)

    def add(n):
        rows.ideas(round_id, n, rows.members(n))
        rows.sessions(round_id, 2)

    check_budget(f"/en/owner/rounds/{round_id}", add, budget=10, shows="Idea ")
