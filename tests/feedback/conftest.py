"""A published release with two changes, open for feedback."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.feedback import services
from panel.security import Role


@pytest.fixture
def product_owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER])


@pytest.fixture
def make_release(db, product_owner):
    def make(
        opens_in=timedelta(hours=-1),
        closes_in=timedelta(days=7),
        publish=True,
        audience="all",
        sample_size=None,
        version="12.4",
    ):
        now = utcnow()
        data = {
            "version": version,
            "month": now.date().replace(day=1),
            "opens_at": now + opens_in,
            "closes_at": now + closes_in,
            "audience": audience,
            "sample_size": sample_size,
        }
        changes = [
            {
                "title_nl": "Donkere modus",
                "title_en": "Dark mode",
                "description_nl": "Rustig",
                "description_en": "Calm",
            },
            {
                "title_nl": "Sneller inloggen",
                "title_en": "Faster log-in",
                "description_nl": "Face ID",
                "description_en": "Face ID",
            },
        ]
        release = services.save_release(None, data, changes, product_owner)
        if publish:
            services.publish_release(release, product_owner)
        db.session.commit()
        return release

    return make


def answer(client, release, score, **extra):
    data = {"score": str(score)}
    data.update(extra)
    return client.post(f"/en/feedback/{release.id}", data=data)
