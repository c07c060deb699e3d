"""Demo feedback: two years of monthly app releases with responses, a rising trend, comments."""
from datetime import date, timedelta

from sqlalchemy import insert

from .database import utcnow
from .extensions import db
from .feedback import services
from .feedback.models import ChangeRating, FeedbackInvitation, Release, ReleaseChange, Response, TouchpointResponse
from .membership.models import Member

CHANGES = [
    ("Verbruik op het startscherm", "Usage on the home screen", "Je ziet meteen hoeveel data je nog hebt.", "See straight away how much data you have left."),
    ("Sneller inloggen met Face ID", "Faster log-in with Face ID", "Inloggen zonder wachtwoord.", "Log in without a password."),
    ("Rekening als PDF", "Bill as PDF", "Download je rekening in één tik.", "Download your bill in one tap."),
    ("Chat met de klantenservice", "Chat with customer service", "Stel je vraag in de app.", "Ask your question in the app."),
    ("Storingskaart", "Outage map", "Zie waar een storing is.", "See where there's an outage."),
    ("Donkere modus", "Dark mode", "Rustiger voor je ogen 's avonds.", "Easier on your eyes at night."),
    ("Bundel bijkopen", "Top up your bundle", "Extra data in twee tikken.", "Extra data in two taps."),
    ("Roaming-overzicht", "Roaming overview", "Wat je in het buitenland verbruikt.", "What you use abroad."),
]
COMMENTS = [
    "De app start traag op mijn telefoon.", "Graag een widget met mijn verbruik.", "Inloggen gaat nu veel sneller, top!",
    "Ik kan mijn rekening niet vinden.", "The chat is great, but it forgets my earlier questions.",
    "Please make the font bigger.", "Meldingen komen soms dubbel binnen.", "Overzichtelijker dan de vorige versie.",
    "I'd like to see my roaming costs live.", "De storingskaart is heel handig.", "Dark mode please!",
    "Bundel bijkopen werkt niet met iDEAL.", "Prima app, geen klachten.", "Too many notifications lately.",
]


def load_demo_feedback(rng, owner, now=None):
    now = now or utcnow()
    members = Member.query.filter(Member.status.in_(["active", "paused"]), Member.user_id.isnot(None)).all()
    first_month = date(now.year - 2, now.month, 1)
    for index in range(24):
        month = _add_months(first_month, index + 1)
        opens = now.replace(year=month.year, month=month.month, day=3, hour=8, minute=0, second=0, microsecond=0)
        is_current = index == 23
        release = Release(version=f"{10 + index // 12}.{index % 12}", month=month, opens_at=opens,
                          closes_at=(now + timedelta(days=6)) if is_current else opens + timedelta(days=14),
                          audience="all", created_by_id=owner.id, created_at=opens - timedelta(days=5))
        picked = rng.sample(CHANGES, rng.randint(2, 4))
        release.changes = [ReleaseChange(position=i, title_nl=c[0], title_en=c[1], description_nl=c[2],
                                         description_en=c[3]) for i, c in enumerate(picked)]
        db.session.add(release)
        db.session.flush()
        services.publish_release(release, owner)  # the open one invites its audience right away
        invited = [m for m in members]
        db.session.refresh(release)
        if release.invited_at is None:
            release.invited_at = opens
            release.invited_count = len(invited)
            db.session.execute(insert(FeedbackInvitation), [
                {"release_id": release.id, "member_id": m.id, "created_at": opens} for m in invited])
        # A slowly rising score with some noise: the trend is the headline.
        promoter_share = min(0.25 + index * 0.012 + rng.uniform(-0.05, 0.05), 0.7)
        detractor_share = max(0.35 - index * 0.009 + rng.uniform(-0.04, 0.04), 0.08)
        respondents = rng.sample(invited, min(len(invited), rng.randint(70, 95) if not is_current else 40))
        for member in respondents:
            roll = rng.random()
            score = (rng.choice([9, 10]) if roll < promoter_share else
                     rng.randint(0, 6) if roll < promoter_share + detractor_share else rng.choice([7, 8]))
            band = member.age_band
            response = Response(release_id=release.id, member_id=member.id, score=score,
                                customer_type=member.customer_type, platform=member.platform,
                                age_band=band.value if band else None,
                                improve_text=rng.choice(COMMENTS) if rng.random() < 0.35 else None,
                                created_at=opens + timedelta(days=rng.randint(0, 6)))
            response.updated_at = response.created_at
            if rng.random() < 0.05:
                response.problem_text = "De app loopt vast bij het openen van mijn rekening."
                response.problem_device, response.problem_os = "Samsung Galaxy S21", "Android 14"
            response.ratings = [ChangeRating(change_id=c.id, rating=None if rng.random() < 0.2 else rng.randint(2, 5))
                                for c in release.changes]
            db.session.add(response)
        db.session.flush()
        services.rebuild_counts(release)
    _demo_touchpoints(rng, now)


def _demo_touchpoints(rng, now):
    from .rounds.models import Registration

    for registration in Registration.query.filter_by(attendance="attended").all():
        if rng.random() < 0.7:
            db.session.add(TouchpointResponse(
                registration_id=registration.id, member_id=registration.member_id,
                score=rng.choices(range(11), weights=[1, 1, 1, 1, 1, 2, 3, 6, 12, 18, 16])[0],
                better_text=rng.choice([None, None, "Iets meer tijd voor vragen.", "Great snacks!"]),
                created_at=registration.session.ends_at + timedelta(hours=3)))


def _add_months(day, months):
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)

