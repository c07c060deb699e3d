"""Releases that can't be set up wrong: one release per version (also when two are saved at
once), overlapping windows warned about, one survey at a time for panelists, a total NPS on too
few responses greyed, and a rated change's wording locked (a correction can be added)."""

import html
import threading
from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.errors import NotAllowed
from panel.feedback import services
from panel.feedback.models import Release
from panel.feedback.results import SMALL_CELL
from panel.forms import utc_to_local

from ..conftest import PASSWORD
from .conftest import answer


def release_form_data(version="12.4", opens="2026-12-01T09:00", closes="2026-12-15T09:00"):
    return {
        "version": version,
        "month": "2026-12-01",
        "opens_at": opens,
        "closes_at": closes,
        "audience": "all",
        "changes-0-title_nl": "Donkere modus",
        "changes-0-title_en": "Dark mode",
        "changes-0-description_nl": "Rustig",
        "changes-0-description_en": "Calm",
    }


def test_a_second_release_of_the_same_version_is_refused(db, make_release, product_owner):
    make_release(publish=False, version="12.4")
    data = {
        "version": "12.4",
        "month": utcnow().date().replace(day=1),
        "opens_at": utcnow(),
        "closes_at": utcnow() + timedelta(days=7),
        "audience": "all",
    }
    with pytest.raises(NotAllowed) as refusal:
        services.save_release(None, data, [{"title_nl": "x", "title_en": "x"}], product_owner)
    assert refusal.value.code == "version_taken"
    db.session.rollback()
    assert Release.query.count() == 1


@pytest.mark.parametrize(
    "lang, message",
    [
        ("en", "There's already a release of this version. Choose another version."),
        ("nl", "Er is al een release van deze versie. Kies een andere versie."),
    ],
)
def test_the_form_says_the_version_is_taken(
    client, db, make_release, product_owner, login_as, lang, message
):
    make_release(publish=False, version="12.4")
    login_as(product_owner)
    response = client.post(f"/{lang}/results/releases/new", data=release_form_data("12.4"))
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert Release.query.count() == 1


@pytest.mark.parametrize("check_first", [True, False])
def test_two_managers_saving_the_same_version_at_once_make_one_release(
    app, db, product_owner, monkeypatch, check_first
):
    """Six posts at once, each from its own form: one release, the others a form error, no 500.
    The check before writing waits a moment, so every request passes it before any writes; with
    check_first=False it is left out, and only the unique constraint stands between them."""
    original = services.version_taken

    def slow_check(version, release=None):
        taken = original(version, release)
        threading.Event().wait(0.2)
        return taken if check_first else False

    monkeypatch.setattr(services, "version_taken", slow_check)
    clients = []
    for _ in range(6):
        client = app.test_client()
        client.post("/en/login", data={"email": product_owner.email, "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(6)
    codes = []

    def send(client):
        barrier.wait()
        response = client.post("/en/results/releases/new", data=release_form_data("13.0"))
        codes.append((response.status_code, "already a release of this version" in response.text))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    db.session.rollback()
    assert sorted(codes) == [(200, True)] * 5 + [(302, False)]
    assert Release.query.filter_by(version="13.0").count() == 1


def test_overlapping_windows_are_warned_about(client, db, make_release, product_owner, login_as):
    first = make_release(version="12.4", closes_in=timedelta(days=7))
    second = make_release(version="12.5", opens_in=timedelta(days=3), closes_in=timedelta(days=10))
    apart = make_release(version="12.6", opens_in=timedelta(days=20), closes_in=timedelta(days=30))
    login_as(product_owner)
    for lang, warning in (
        ("en", "The feedback window overlaps with another release."),
        ("nl", "De feedbackperiode overlapt met die van een andere release."),
    ):
        page = client.get(f"/{lang}/results/releases/{first.id}").get_data(as_text=True)
        assert warning in page and "12.5" in page and "12.6" not in page
        form = client.get(f"/{lang}/results/releases/{second.id}/edit").get_data(as_text=True)
        assert warning in form and "12.4" in form
        quiet = client.get(f"/{lang}/results/releases/{apart.id}").get_data(as_text=True)
        assert warning not in quiet


def test_a_panelist_sees_one_survey_at_a_time_the_newest_first(
    client, db, make_release, make_member, login_as
):
    older = make_release(version="12.4", opens_in=timedelta(days=-3))
    newer = make_release(version="12.5", opens_in=timedelta(hours=-1))
    member = make_member()
    login_as(member.user)
    dashboard = client.get("/en/me").get_data(as_text=True)
    assert "app version 12.5" in dashboard and "app version 12.4" not in dashboard
    overview = client.get("/en/feedback").get_data(as_text=True)
    assert overview.index("12.5") < overview.index("12.4")
    assert overview.count("Give feedback") == 1
    assert f"/en/feedback/{newer.id}" in overview and f"/en/feedback/{older.id}" not in overview
    assert "Next, once you've answered version 12.5." in html.unescape(overview)
    assert answer(client, newer, 9).status_code == 302
    dashboard = client.get("/en/me").get_data(as_text=True)
    assert "app version 12.4" in dashboard
    overview = client.get("/en/feedback").get_data(as_text=True)
    assert f"/en/feedback/{older.id}" in overview and "Change my answers" in overview


def test_a_total_nps_on_too_few_responses_is_greyed(
    client, db, make_release, make_member, product_owner, login_as
):
    release = make_release()
    for score in (10, 9, 3):
        services.save_response(release, make_member(), {"score": score})
    db.session.commit()
    login_as(product_owner)
    page = client.get(f"/en/results/releases/{release.id}").get_data(as_text=True)
    assert 'class="stat too-small"' in page
    assert f"too few responses (fewer than {SMALL_CELL}) to draw conclusions from" in page
    overview = client.get("/en/results/").get_data(as_text=True)
    assert 'class="too-small"' in overview


def test_a_total_nps_on_enough_responses_is_not_greyed(
    client, db, make_release, make_member, product_owner, login_as
):
    release = make_release()
    for index in range(SMALL_CELL):
        services.save_response(release, make_member(), {"score": index % 11})
    db.session.commit()
    login_as(product_owner)
    page = client.get(f"/en/results/releases/{release.id}").get_data(as_text=True)
    assert 'too-small"><span class="stat-value"' not in page
    assert 'class="stat too-small"' not in page


def edit_data(release, **blocks):
    """The release's own form, with block 1 changed as given."""
    data = release_form_data(
        release.version,
        opens=utc_to_local(release.opens_at).strftime("%Y-%m-%dT%H:%M"),
        closes=utc_to_local(release.closes_at).strftime("%Y-%m-%dT%H:%M"),
    )
    for name, value in blocks.items():
        data[f"changes-0-{name}"] = value
    return data


def test_a_rated_change_keeps_its_wording_and_takes_a_correction(
    client, db, make_release, make_member, product_owner, login_as
):
    release = make_release()
    change = release.changes[0]
    panelist = make_member(locale="nl")
    services.save_response(release, panelist, {"score": 8, "ratings": {change.id: 4}})
    db.session.commit()
    login_as(product_owner)
    form = client.get(f"/en/results/releases/{release.id}/edit").get_data(as_text=True)
    assert "its wording is locked" in form
    assert 'name="changes-0-title_en"' not in form and 'name="changes-0-correction_en"' in form
    # Changing the wording anyway (a stale form) is refused and changes nothing.
    refused = client.post(
        f"/en/results/releases/{release.id}/edit",
        data=edit_data(release, title_en="Night mode", correction_en="Only on Android"),
    )
    assert refused.status_code == 200
    assert "so its wording stays as it is" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (change.title_en, change.correction_en) == ("Dark mode", "")
    # The correction, in both languages, with the wording left as it is.
    data = edit_data(
        release,
        title_nl="",
        title_en="",
        description_nl="",
        description_en="",
        correction_nl="Alleen op Android",
        correction_en="Only on Android",
    )
    assert client.post(f"/en/results/releases/{release.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert (change.title_en, change.correction_nl) == ("Dark mode", "Alleen op Android")
    staff = client.get(f"/en/results/releases/{release.id}").get_data(as_text=True)
    assert "Correction: Only on Android" in staff
    client.post("/en/logout")
    login_as(panelist.user)
    own = client.get(f"/nl/feedback/{release.id}").get_data(as_text=True)
    assert "Correctie:</strong> Alleen op Android" in own
    own = client.get(f"/en/feedback/{release.id}").get_data(as_text=True)
    assert "Correction:</strong> Only on Android" in own


def test_an_unrated_change_can_still_be_reworded(client, db, make_release, product_owner, login_as):
    release = make_release()
    login_as(product_owner)
    data = edit_data(release, title_en="Night mode")
    assert client.post(f"/en/results/releases/{release.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert release.changes[0].title_en == "Night mode"
