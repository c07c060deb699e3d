"""Fixtures for rounds: a published round with a session, and its owner."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.insights.models import seed_default_streams
from panel.rounds import services
from panel.rounds.models import Session
from panel.security import Role


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner")


ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


@pytest.fixture
def make_round(db, owner):
    def make(stage="idea", published=True, visibility="all", owner_user=None, **fields):
        seed_default_streams()
        data = dict(ROUND_FIELDS, visibility=visibility, **fields)
        round_ = services.create_round(owner_user or owner, data, [])
        round_.stage = stage
        if published:
            services.publish_round(round_, owner_user or owner)
        db.session.commit()
        return round_

    return make


@pytest.fixture
def make_session(db):
    def make(round_, capacity=10, kind="online", starts_in=timedelta(days=7), **fields):
        starts = utcnow() + starts_in
        values = dict(
            round_id=round_.id,
            title_nl="Sessie",
            title_en="Session",
            kind=kind,
            capacity=capacity,
            seats_taken=0,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            registration_deadline=starts - timedelta(hours=1),
            meeting_link="https://meet.example.com/secret-room" if kind == "online" else None,
            venue_nl="Hoofdkantoor" if kind == "physical" else None,
            venue_en="HQ" if kind == "physical" else None,
            city="Amsterdam" if kind == "physical" else None,
        )
        values.update(fields)
        session = Session(**values)
        db.session.add(session)
        db.session.commit()
        return session

    return make
