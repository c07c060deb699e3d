"""Cross-domain reactions are signals connected when the app is created (HOUSE_STYLE.md, 14)."""

import subprocess
import sys
import textwrap

from panel import signals

# A fresh interpreter: nothing is imported but what creating the app imports, so erasure cannot
# depend on some test module having imported a domain's hooks before.
LEAVE_IN_A_FRESH_PROCESS = textwrap.dedent("""
    import sys
    from datetime import timedelta

    from panel import create_app
    from panel.config import TestConfig
    from panel.database import utcnow
    from panel.extensions import db

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app(dict(config, SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[1]))
    with app.app_context():
        db.create_all()
        from panel.accounts.services import create_user
        from panel.feedback import services as feedback
        from panel.feedback.models import Response, TouchpointResponse
        from panel.insights import services as insights
        from panel.insights.models import Evidence, seed_default_streams
        from panel.membership import privacy
        from panel.membership.joining import new_member_number
        from panel.membership.models import Member
        from panel.rounds import services as rounds
        from panel.rounds.models import Comment, Idea
        from panel.security import Role

        owner = create_user("po@example.com", "Olga", "en", roles=[Role.PRODUCT_OWNER])
        user = create_user("lotte@example.com", "Lotte", "nl", roles=[Role.PANELIST])
        member = Member(user=user, number=new_member_number(), status="active", birth_year=1985,
                        customer_type="subscription", platform="ios", app_usage="weekly")
        db.session.add(member)
        db.session.flush()
        privacy.accept_statement(member, privacy.current_statement(), "nl")
        seed_default_streams()
        round_ = rounds.create_round(owner, {
            "title_nl": "Betere app", "title_en": "Better app", "summary_nl": "Samen",
            "summary_en": "Together", "question_nl": "Wat mis je?", "question_en": "What?",
            "visibility": "all"}, [])
        rounds.publish_round(round_, owner)
        idea = rounds.post_idea(round_, member, "Donkere modus", "Graag een donkere modus")
        rounds.add_comment(idea, member, "Ook voor de widget")
        now = utcnow()
        release = feedback.save_release(None, {
            "version": "12.4", "month": now.date().replace(day=1),
            "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=7),
            "audience": "all", "sample_size": None},
            [{"title_nl": "Sneller", "title_en": "Faster", "description_nl": "Sneller inloggen",
              "description_en": "Faster log-in"}],
            owner)
        feedback.publish_release(release, owner)
        feedback.save_response(release, member,
                               {"score": 6, "improve_text": "De batterij loopt leeg"})
        response = Response.query.one()
        db.session.add(TouchpointResponse(member_id=member.id, score=8, better_text="Meer koffie"))
        insights.create_insight("", "Battery", "", [], owner,
                                evidence=[("response", response.id), ("idea", idea.id)])
        db.session.commit()

        privacy.leave_panel(member, "other")
        db.session.commit()

        idea, comment = Idea.query.one(), Comment.query.one()
        assert (idea.title, idea.body, idea.author_id) == ("—", "—", None), "rounds kept the idea"
        assert (comment.body, comment.author_id) == ("—", None), "rounds kept the comment"
        response = Response.query.one()
        assert (response.improve_text, response.member_id) == (None, None), "feedback kept the text"
        touchpoint = TouchpointResponse.query.one()
        assert (touchpoint.better_text, touchpoint.member_id) == (None, None), "session answer kept"
        assert [e.member_id for e in Evidence.query] == [None, None], "evidence points at them"
        assert response.score == 6, "the score keeps counting"
    print("erased everywhere")
""")


def test_leaving_erases_every_domains_rows_in_a_freshly_created_app(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", LEAVE_IN_A_FRESH_PROCESS, str(tmp_path / "fresh.sqlite3")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "erased everywhere" in result.stdout


def test_every_domain_answers_the_signals_it_owns(app):
    def owners(signal):
        return {receiver.__module__.split(".")[1] for receiver in signal.receivers_for(None)}

    assert owners(signals.member_leaving) == {"rounds", "feedback", "insights", "recognition"}
    assert owners(signals.member_export) == {"rounds", "feedback", "recognition"}
    assert owners(signals.dashboard_attention) == {"rounds", "feedback"}
    assert owners(signals.notification_kinds) == {
        "notifications",
        "membership",
        "rounds",
        "feedback",
        "insights",
        "shipped",
        "recognition",
    }
    assert owners(signals.release_published) == {"shipped"}
    assert owners(signals.dashboard_sections) == {"recognition"}


def test_dashboard_receivers_are_called_in_layer_order(app):
    """Receivers are called in the order the domains were set up, lowest layer first; the
    dashboard then orders their items by urgency (tests/test_dashboard.py)."""
    names = [receiver.__name__ for receiver in signals.dashboard_attention.receivers_for(None)]
    assert names == [
        "open_invitations",
        "rounds_with_free_seats",
        "upcoming_sessions",
        "open_feedback",
        "sessions_to_rate",
    ]
