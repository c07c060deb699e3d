"""The demo reads like a real operator's panel (HOUSE_STYLE.md, point 19).

The demo is loaded once into the empty test database; what each test checks is read from it as
plain values, and the tables are emptied again before the first test runs.
"""

import re

import pytest
from sqlalchemy import func, select

from panel.accounts.models import User
from panel.audit import AuditEntry
from panel.database import UTCDateTime, utcnow
from panel.demo import load_demo
from panel.extensions import db as _db
from panel.feedback.models import Response, TouchpointResponse
from panel.insights.evidence import load_source
from panel.insights.models import Insight
from panel.membership.models import Member
from panel.membership.news import NewsItem
from panel.notifications.models import Notification
from panel.rounds.models import Comment, Idea, Round, Session, StageChange

from .conftest import empty_all_tables

# What a round is about: every idea posted in it names one of these (either language).
SUBJECTS = {
    "Usage at a glance": ["verbruik", "usage", "data", "bundel", "bundle", "tegoed", "credit"],
    "A fairer bill": ["rekening", "bill", "kosten", "costs", "bedrag", "amount", "betaal", "pay"],
    "Trial: 5G internet at home": ["5g", "modem", "internet"],
    "The shop of the future": ["winkel", "shop", "store"],
    "Customer service by chat": ["chat"],
    "Worry-free roaming": [
        "roaming",
        "buitenland",
        "abroad",
        "vakantie",
        "holiday",
        "reis",
        "travel",
    ],
    "Family plan": ["gezin", "family", "bundel", "bundle"],
    "Outage alerts": ["storing", "outage"],
}
# What an insight is about, found in its title; its evidence must be about the same.
TOPICS = {
    "usage": ["verbruik", "usage", "data", "bundel", "bundle"],
    "bill": ["rekening", "bill", "kosten", "costs", "bedrag", "amount", "betaal", "pay", "ideal"],
    "log-in": ["inlog", "log in", "logging in", "log-in", "wachtwoord", "password"],
    "chat": ["chat"],
    "outage": ["storing", "outage"],
    "roaming": ["roaming", "buitenland", "abroad", "vakantie", "holiday"],
    "shop": ["winkel", "shop", "store"],
    "speed": ["traag", "slow", "snel", "fast"],
    "battery": ["batterij", "battery"],
    "notifications": ["melding", "notification"],
    "text size": ["letter", "font", "tekst", "text"],
    "dark mode": ["donker", "dark"],
    "family": ["gezin", "family"],
}
# Small words that only one of the two languages has.
DUTCH = set(
    """de het een en ik je jij jouw mijn niet wel dat dit die van voor met op ook graag bij
als naar nog zo wat maar te zou kan wil geen er om heel veel meer moet hoe zodat zonder elke mij ons
onze alsjeblieft dank bedankt goed zien laat gaat werkt liever mooi eens dan hem ze zij wordt
waar lukt""".split()
)
ENGLISH = set(
    """the a an and i you your my not that this of for with on too please at when to would
can no it its very more should how so without every our thanks thank good see let show works
rather great agreed because i'd i'm don't doesn't what is are be do have has it's i've
we're""".split()
)
# Timestamps that may lie ahead: sessions to come, open windows, deadlines and the like.
MAY_BE_AHEAD = {
    "starts_at",
    "ends_at",
    "registration_deadline",
    "closes_at",
    "due_at",
    "expires_at",
    "next_attempt_at",
    "claimed_until",
}
SESSION_NUMBER = re.compile(r"(\d+):")


def language_of(text):
    words = re.findall(r"[a-zà-ÿ']+", text.lower())
    dutch = sum(word in DUTCH for word in words)
    english = sum(word in ENGLISH for word in words)
    return "nl" if dutch > english else "en" if english > dutch else None


def mentions(text, words):
    text = text.lower()
    return any(word in text for word in words)


@pytest.fixture(scope="module")
def demo(app):
    """Load the demo and read what the tests check; the tables are empty again afterwards."""
    with app.app_context():
        load_demo()
        loaded_at = utcnow()
        _db.session.rollback()  # anything the loader did not commit itself is gone now
        try:
            data = _read_demo(loaded_at)
            # End the read transaction: on PostgreSQL each test's TRUNCATE waits for it otherwise.
            _db.session.rollback()
            yield data
        finally:
            _db.session.remove()
            empty_all_tables()


def _read_demo(loaded_at):
    locale = {m.id: m.user.locale for m in Member.query.filter(Member.user_id.isnot(None))}
    platform = {m.id: m.platform for m in Member.query}
    launches = {
        change.round_id: change.created_at
        for change in StageChange.query.filter_by(to_stage="launch")
    }
    newest = {}
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, UTCDateTime) and column.name not in MAY_BE_AHEAD:
                newest[f"{table.name}.{column.name}"] = _db.session.scalar(select(func.max(column)))
    return {
        "loaded_at": loaded_at,
        "counts": {
            "users": User.query.count(),
            "rounds": Round.query.count(),
            "insights": Insight.query.count(),
            "news": NewsItem.query.filter(NewsItem.sent_at.isnot(None)).count(),
            "news_notifications": Notification.query.filter_by(kind="panel_news").count(),
            "audit": AuditEntry.query.filter_by(action="demo.load").count(),
        },
        "rounds": {r.id: (r.title_en, launches.get(r.id)) for r in Round.query},
        "sessions": [
            (s.round_id, s.title_nl, s.title_en, s.starts_at, s.ends_at)
            for s in Session.query.order_by(Session.starts_at, Session.id)
        ],
        "ideas": [
            (i.round.title_en, i.title, i.body, locale[i.author_id])
            for i in Idea.query.filter(Idea.author_id.isnot(None), Idea.withdrawn_at.is_(None))
        ],
        "writings": [
            (text, locale[author])
            # Withdrawn ideas and reactions have no text left.
            for text, author in [
                (f"{i.title}. {i.body}", i.author_id)
                for i in Idea.query.filter(Idea.withdrawn_at.is_(None))
            ]
            + [(c.body, c.author_id) for c in Comment.query.filter(Comment.withdrawn_at.is_(None))]
            + [(r.improve_text, r.member_id) for r in Response.query]
            + [(r.problem_text, r.member_id) for r in Response.query]
            + [(t.better_text, t.member_id) for t in TouchpointResponse.query]
            if text and author in locale
        ],
        "problems": [
            (r.problem_device, r.problem_os, r.platform, platform[r.member_id])
            for r in Response.query.filter(Response.problem_device.isnot(None))
        ],
        "insights": [
            (
                f"{i.title_nl} / {i.title_en}",
                [load_source(e.kind, e.source_id).text for e in i.evidence],
            )
            # A merged insight rests on the one it was merged into (its page leads there).
            for i in Insight.query.filter(Insight.merged_into_id.is_(None))
        ],
        "newest": newest,
        # Staff-written pairs with one half missing (HOUSE_STYLE 7: shown marked).
        "only_dutch": {
            "answers": Idea.query.filter(
                Idea.answer_nl.isnot(None), Idea.answer_en.is_(None)
            ).count(),
            "answers_complete": Idea.query.filter(
                Idea.answer_nl.isnot(None), Idea.answer_en.isnot(None)
            ).count(),
            "venues": Session.query.filter(
                Session.venue_nl.isnot(None), Session.venue_en.is_(None)
            ).count(),
            "venues_complete": Session.query.filter(Session.venue_en.isnot(None)).count(),
            "insight_titles": Insight.query.filter(Insight.title_en == "").count(),
            "news": NewsItem.query.filter(
                NewsItem.sent_at.isnot(None), NewsItem.body_en == ""
            ).count(),
        },
    }


def test_the_loader_commits_its_own_work(demo):
    counts = demo["counts"]
    assert counts["users"] > 200 and counts["rounds"] == 8 and counts["insights"] > 10
    assert counts["news"] == 3, "the last part loaded (the panel news) was not committed"
    assert counts["news_notifications"] > 3 * 100  # every active member got each one
    assert counts["audit"] == 1


def test_ideas_are_about_their_rounds_subject(demo):
    assert demo["ideas"]
    for round_title, title, body, _ in demo["ideas"]:
        assert round_title in SUBJECTS, f"no subject words for the round {round_title!r}"
        assert mentions(f"{title} {body}", SUBJECTS[round_title]), (
            f"idea {title!r} in the round {round_title!r} is not about its subject"
        )


def test_sessions_take_place_before_the_launch_they_fed(demo):
    launched = {rid: at for rid, (_, at) in demo["rounds"].items() if at is not None}
    assert launched, "no launched round in the demo"
    checked = 0
    for round_id, _, title, _, ends in demo["sessions"]:
        if round_id in launched:
            assert ends < launched[round_id], f"{title!r} ends after its round's launch"
            checked += 1
    assert checked


def test_session_numbers_follow_time(demo):
    by_round = {}
    for round_id, title_nl, title_en, starts, _ in demo["sessions"]:
        by_round.setdefault(round_id, []).append((starts, title_nl, title_en))
    for round_id, sessions in by_round.items():
        for lang, column in (("nl", 1), ("en", 2)):
            numbers = [int(SESSION_NUMBER.search(s[column]).group(1)) for s in sorted(sessions)]
            assert numbers == list(range(1, len(sessions) + 1)), (
                f"round {round_id}: sessions in time order are numbered {numbers} ({lang})"
            )


def test_panelists_write_in_their_own_language(demo):
    assert {lang for _, lang in demo["writings"]} == {"nl", "en"}
    wrong = [(text, lang) for text, lang in demo["writings"] if language_of(text) != lang]
    assert not wrong, f"{len(wrong)} not in their author's language: {sorted(set(wrong))}"


def test_a_problem_report_names_a_phone_of_the_members_platform(demo):
    assert demo["problems"]
    for device, os, reported_platform, platform in demo["problems"]:
        assert reported_platform == platform
        if platform == "ios":
            assert device.startswith("iPhone") and os.startswith("iOS"), (device, os)
        elif platform == "android":
            assert "iPhone" not in device and os.startswith("Android"), (device, os)
        else:
            assert "iPhone" not in device and not os.startswith(("iOS", "Android")), (device, os)


def test_evidence_is_about_what_the_insight_says(demo):
    assert demo["insights"]
    for title, evidence in demo["insights"]:
        topics = [words for words in TOPICS.values() if mentions(title, words)]
        assert topics, f"no topic words for the insight {title!r}"
        assert evidence, f"insight {title!r} rests on nothing"
        for text in evidence:
            assert any(mentions(text, words) for words in topics), (
                f"{text!r} is not evidence for {title!r}"
            )


def test_nothing_that_happened_is_dated_in_the_future(demo):
    ahead = {
        column: newest
        for column, newest in demo["newest"].items()
        if newest is not None and newest > demo["loaded_at"]
    }
    assert not ahead, f"dated after loading: {ahead}"


def test_the_marked_fallback_is_visible_in_the_demo(demo):
    """At least one answer, venue, insight title and sent news item in Dutch only, so an English
    reader sees the marked fallback; the rest is written in both languages."""
    only = demo["only_dutch"]
    assert only["answers"] >= 1 and only["answers_complete"] > only["answers"]
    assert only["venues"] >= 1 and only["venues_complete"] > only["venues"]
    assert only["insight_titles"] >= 1
    assert only["news"] == 1
