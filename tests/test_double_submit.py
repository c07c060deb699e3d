"""A form sent twice (or six times) at once creates one record: every create form in the url map
is loaded, filled in and posted twice together with the token its page rendered."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from panel.accounts.models import User
from panel.database import utcnow
from panel.feedback import services as feedback
from panel.feedback.models import Release, Response, TouchpointResponse
from panel.insights import services as insights
from panel.insights.models import (
    Insight,
    InternalNote,
    Route,
    RoutingRule,
    Stream,
    Tag,
    seed_default_streams,
)
from panel.mail import OutboxMessage
from panel.membership.models import Member, PrivacyStatement, QuotaTarget
from panel.membership.news import NewsItem
from panel.recognition.models import ThankYou
from panel.rounds import services as rounds
from panel.rounds.models import (
    Comment,
    Idea,
    IdeaCategory,
    Invitation,
    Registration,
    Round,
    Session,
)
from panel.security import Role
from panel.submissions import FormSubmission, purge_form_submissions

from .conftest import join_data


@dataclass
class CreateForm:
    page: str  # where the form is rendered
    action: str  # where it is posted
    data: dict
    count: Callable  # what the form creates, counted (a tuple when it also queues mail)
    # False for a form whose record is unique by its own key (one answer per release and member)
    has_token: bool = True
    creates: int = 1  # records one submission makes (an invitation form invites a sample)


class FormReader(HTMLParser):
    """The forms of a page, each as its action and the fields a browser would send unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", []))
        elif not self.forms or "name" not in a and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[-1][1].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value  # the first option, as a browser sends by default
            if "selected" in a:
                self._select[2] = value
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self.forms[-1][1].append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1][1].append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


def filled_in(response, action, data):
    """What a browser sends from the page's form posting to `action`, with `data` typed in;
    the form must carry a token (it is one of the fields taken from the page)."""
    reader = FormReader()
    reader.feed(response.get_data(as_text=True))
    found = [
        fields
        for target, fields in reader.forms
        # A prefixed form (several on one page) names it "<prefix>-form_token".
        if target in ("", action)
        and any(name.rpartition("-")[2] == "form_token" for name, _ in fields)
    ]
    assert len(found) == 1, f"no single form with a token posting to {action}"
    sent = MultiDict(found[0])
    for name, value in data.items():
        sent.setlist(name, value if isinstance(value, list) else [value])
    return sent


def form_token_for(response, action):
    return filled_in(response, action, {})["form_token"]


def post_together(client, url, data, times):
    """Post the same form `times` times at once; the responses in the order they came back."""
    barrier = threading.Barrier(times)
    responses = []

    def send():
        barrier.wait()
        responses.append(client.post(url, data=data))

    threads = [threading.Thread(target=send) for _ in range(times)]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert len(responses) == times, "a request never came back"
    return responses


# The create forms, each set up as its page would be used -------------------------------


@dataclass
class World:
    client: object
    make_user: Callable
    make_member: Callable
    login_as: Callable


@pytest.fixture
def world(client, make_user, make_member, login_as):
    return World(client, make_user, make_member, login_as)


ROUND = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


def open_round(world, stage="idea"):
    seed_default_streams()
    owner = world.make_user(roles=[Role.PRODUCT_OWNER])
    round_ = rounds.create_round(owner, dict(ROUND), [])
    round_.stage = stage
    rounds.publish_round(round_, owner)
    return round_, owner


def idea_form(world, db):
    round_, _owner = open_round(world)
    db.session.commit()
    world.login_as(world.make_member().user)
    return CreateForm(
        page=f"/en/rounds/{round_.id}",
        action=f"/en/rounds/{round_.id}/ideas",
        data={"title": "Dark mode", "body": "Easier on the eyes at night."},
        count=lambda: Idea.query.count(),
    )


def comment_form(world, db):
    round_, _owner = open_round(world)
    idea = rounds.post_idea(round_, world.make_member(), "Dark mode", "Please")
    db.session.commit()
    world.login_as(world.make_member().user)
    page = f"/en/rounds/{round_.id}/ideas/{idea.id}"
    return CreateForm(
        page=page,
        action=f"{page}/comments",
        data={"body": "Yes please!"},
        count=lambda: Comment.query.count(),
    )


def reply_form(world, db):
    round_, _owner = open_round(world)
    idea = rounds.post_idea(round_, world.make_member(), "Dark mode", "Please")
    reaction = rounds.add_comment(idea, world.make_member(), "Yes, at night")
    db.session.commit()
    world.login_as(world.make_member().user)
    url = f"/en/rounds/{round_.id}/ideas/{idea.id}/reactions/{reaction.id}/reply"
    return CreateForm(
        page=url,
        action=url,
        data={"body": "And on the website too."},
        count=lambda: Comment.query.filter(Comment.parent_id.isnot(None)).count(),
    )


def category_form(world, db):
    round_, owner = open_round(world)
    db.session.commit()
    world.login_as(owner)
    url = f"/en/owner/rounds/{round_.id}/categories"
    return CreateForm(
        page=url,
        action=url,
        data={"new-name_nl": "Rekening", "new-name_en": "Bill"},
        count=IdeaCategory.query.count,
    )


def touchpoint_form(world, db):
    round_, _owner = open_round(world, stage="session")
    start = utcnow() - timedelta(hours=5)
    session = Session(
        round_id=round_.id,
        title_nl="S",
        title_en="S",
        kind="online",
        capacity=5,
        seats_taken=1,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=start,
    )
    db.session.add(session)
    db.session.flush()
    member = world.make_member()
    registration = Registration(
        session_id=session.id, member_id=member.id, status="confirmed", attendance="attended"
    )
    db.session.add(registration)
    db.session.commit()
    world.login_as(member.user)
    url = f"/en/feedback/session/{registration.id}"
    return CreateForm(
        page=url,
        action=url,
        data={"score": "9", "better_text": "More coffee"},
        count=TouchpointResponse.query.count,
    )


def join_form(world, db):
    return CreateForm(
        page="/en/join",
        action="/en/join",
        data=join_data(),
        count=lambda: (Member.query.count(), OutboxMessage.query.count()),
    )


def feedback_form(world, db):
    owner = world.make_user(roles=[Role.PRODUCT_OWNER])
    now = utcnow()
    release = feedback.save_release(
        None,
        {
            "version": "12.4",
            "month": now.date().replace(day=1),
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=7),
            "audience": "all",
            "sample_size": None,
        },
        [
            {
                "title_nl": "Donker",
                "title_en": "Dark",
                "description_nl": "Rustig",
                "description_en": "Calm",
            }
        ],
        owner,
    )
    feedback.publish_release(release, owner)
    db.session.commit()
    world.login_as(world.make_member().user)
    url = f"/en/feedback/{release.id}"
    return CreateForm(
        page=url, action=url, data={"score": "7"}, count=Response.query.count, has_token=False
    )


def staff(world, *roles):
    user = world.make_user(roles=list(roles), locale="en")
    world.login_as(user)
    return user


def round_form(world, db):
    staff(world, Role.PRODUCT_OWNER)
    return CreateForm(
        page="/en/owner/rounds/new",
        action="/en/owner/rounds/new",
        data=dict(ROUND),
        count=Round.query.count,
    )


def session_form(world, db):
    round_, owner = open_round(world, stage="session")
    db.session.commit()
    world.login_as(owner)
    url = f"/en/owner/rounds/{round_.id}/sessions/new"
    return CreateForm(
        page=url,
        action=url,
        data={"kind": "online", "capacity": "8", "meeting_link": "https://meet.example.com/r"},
        count=Session.query.count,
    )


def invitation_form(world, db):
    round_, owner = open_round(world)
    for _ in range(6):
        world.make_member()
    db.session.commit()
    world.login_as(owner)
    url = f"/en/owner/rounds/{round_.id}/invite"
    return CreateForm(
        page=url,
        action=url,
        data={"size": "2", "send": "1"},
        count=Invitation.query.count,
        creates=2,
    )


def release_form(world, db):
    staff(world, Role.PRODUCT_OWNER)
    now = utcnow()
    return CreateForm(
        page="/en/results/releases/new",
        action="/en/results/releases/new",
        data={
            "version": "12.5",
            "month": now.strftime("%Y-%m-01"),
            "opens_at": now.strftime("%Y-%m-%dT09:00"),
            "closes_at": (now + timedelta(days=14)).strftime("%Y-%m-%dT09:00"),
            "audience": "all",
            "changes-0-title_nl": "Donkere modus",
            "changes-0-title_en": "Dark mode",
            "changes-0-description_nl": "Rustig",
            "changes-0-description_en": "Calm",
        },
        count=Release.query.count,
    )


def insight_form(world, db):
    seed_default_streams()
    db.session.commit()
    staff(world, Role.PRODUCT_OWNER)
    return CreateForm(
        page="/en/insights/new",
        action="/en/insights/new",
        data={"title_en": "Bills confuse people", "description": "Three said so."},
        count=Insight.query.count,
    )


def note_form(world, db):
    seed_default_streams()
    manager = world.make_user(roles=[Role.PANEL_MANAGER], locale="en")
    insight = insights.create_insight("", "Bills confuse people", "", [], manager)
    route = insights.add_route(insight, Stream.query.first(), manager)
    db.session.commit()
    world.login_as(manager)
    url = f"/en/insights/inbox/{route.id}"
    return CreateForm(
        page=url,
        action=url,
        data={"action": "note", "body": "Billing calls them back."},
        count=InternalNote.query.count,
    )


def tag_form(world, db):
    staff(world, Role.PANEL_MANAGER)
    return CreateForm(
        page="/en/insights/setup/tags",
        action="/en/insights/setup/tags",
        data={"name_nl": "rekening", "name_en": "bill"},
        count=Tag.query.count,
    )


def rule_form(world, db):
    seed_default_streams()
    db.session.commit()
    staff(world, Role.PANEL_MANAGER)
    return CreateForm(
        page="/en/insights/setup/rules/new",
        action="/en/insights/setup/rules/new",
        data={
            "name": "Billing words",
            "position": "1",
            "keywords": "bill, invoice",
            "streams": [str(Stream.query.first().id)],
            "save": "y",
        },
        count=RoutingRule.query.count,
    )


def new_stream_form(world, db):
    seed_default_streams()
    db.session.commit()
    staff(world, Role.ADMIN)
    return CreateForm(
        page="/en/insights/setup/streams/new",
        action="/en/insights/setup/streams/new",
        data={"name_nl": "Zakelijk", "name_en": "Business", "target_days": "3"},
        count=Stream.query.count,
    )


def apply_rule_form(world, db):
    seed_default_streams()
    manager = staff(world, Role.PANEL_MANAGER)
    insights.create_insight("", "Invoice unclear", "", [], manager)
    rule = RoutingRule(name="Bills", keywords="invoice", streams=[Stream.query.first()])
    db.session.add(rule)
    db.session.commit()
    url = f"/en/insights/setup/rules/{rule.id}/apply"
    return CreateForm(page=url, action=url, data={}, count=Route.query.count)


def quota_form(world, db):
    staff(world, Role.PANEL_MANAGER)
    return CreateForm(
        page="/en/manage/quotas",
        action="/en/manage/quotas",
        data={"customer_type": "prepaid", "target": "5"},
        count=QuotaTarget.query.count,
    )


def staff_invitation_form(world, db):
    staff(world, Role.ADMIN)
    return CreateForm(
        page="/en/admin/users/new",
        action="/en/admin/users/new",
        data={"email": "nina@example.org", "name": "Nina Nieuw", "roles": ["reviewer"]},
        count=lambda: (User.query.count(), OutboxMessage.query.count()),
    )


def privacy_statement_form(world, db):
    staff(world, Role.ADMIN)
    return CreateForm(
        page="/en/admin/privacy",
        action="/en/admin/privacy",
        data={
            "body_nl": "Wij bewaren alleen wat nodig is.",
            "body_en": "We keep only what we need.",
            "changes_nl": "Korter.",
            "changes_en": "Shorter.",
        },
        count=PrivacyStatement.query.count,
    )


def news_form(world, db):
    staff(world, Role.PANEL_MANAGER)
    return CreateForm(
        page="/en/manage/news/new",
        action="/en/manage/news/new",
        data={
            "subject_nl": "Nieuwe chat",
            "subject_en": "New chat",
            "body_nl": "De chat is live.",
            "body_en": "The chat is live.",
        },
        count=NewsItem.query.count,
    )


def thank_you_form(world, db):
    member = world.make_member()
    staff(world, Role.PANEL_MANAGER)
    return CreateForm(
        page=f"/en/manage/recognition/give?member={member.number}",
        action="/en/manage/recognition/give",
        # A personal note costs nothing, so no quarter's budget is needed.
        data={
            "member_number": str(member.number),
            "kind": "note",
            "value": "0",
            "reason": "Came to three sessions in Utrecht",
            "message": "Thank you for your ideas!",
        },
        count=ThankYou.query.count,
    )


CREATE_FORMS = {
    "rounds.post_idea": idea_form,
    "rounds.comment": comment_form,
    "rounds.reply": reply_form,
    "owner.categories": category_form,
    "feedback.touchpoint": touchpoint_form,
    "feedback.form": feedback_form,
    "membership.join": join_form,
    "owner.new_round": round_form,
    "owner.session_form": session_form,
    "owner.invite": invitation_form,
    "results.edit_release": release_form,
    "insights.new": insight_form,
    "insights.route": note_form,
    "insight_setup.tags": tag_form,
    "insight_setup.edit_rule": rule_form,
    "insight_setup.new_stream": new_stream_form,
    "insight_setup.apply_rule": apply_rule_form,
    "manage.quotas": quota_form,
    "admin.invite_user": staff_invitation_form,
    "admin.privacy_statement": privacy_statement_form,
    "manage.news_form": news_form,
    "recognition_manage.give": thank_you_form,
}

# POST endpoints that create nothing a second post could double, and why.
CHANGES_ONE_RECORD = "changes one record to the state the form asks for"
ONE_PER_KEY = "one per member (or insight and stream) by a unique key"
NOT_CREATING = {
    "accounts.accept_invitation": CHANGES_ONE_RECORD,
    "accounts.account": CHANGES_ONE_RECORD,
    "accounts.change_password": CHANGES_ONE_RECORD,
    "accounts.forgot_password": "rate-limited; each post mails a fresh link on purpose",
    "accounts.login": "a login, not a record",
    "accounts.logout": "ends the session",
    "accounts.second_factor": "a login, not a record; each code is claimed once",
    "accounts.two_factor_settings": "turns two-factor login on once (a conditional update)",
    "accounts.renew_recovery_codes": "replaces the ten codes; needs a new app code each time",
    "accounts.turn_off_two_factor": CHANGES_ONE_RECORD,
    "admin.reset_two_factor": CHANGES_ONE_RECORD,
    "accounts.reset_password": CHANGES_ONE_RECORD,
    "admin.edit_user": CHANGES_ONE_RECORD,
    "admin.requeue_failed_mail": "puts failed e-mail back in the queue",
    "admin.requeue_outbox_message": "puts one e-mail back in the queue",
    "insight_setup.delete_rule": "removes",
    "insight_setup.edit_stream": CHANGES_ONE_RECORD,
    "insight_setup.edit_tag": CHANGES_ONE_RECORD,
    "insight_setup.stream_action": "removes, archives or restores by a conditional statement",
    "insight_setup.tag_action": "removes, archives or restores by a conditional statement",
    "insights.acknowledge": CHANGES_ONE_RECORD,
    "insights.assign_many": "a conditional update to the reviewer asked for: again changes nothing",
    "insights.add_evidence": ONE_PER_KEY,
    "insights.triage_dismiss": "one dismissal per contribution by a unique key",
    "insights.triage_undo": "removes",
    "insights.triage_bulk": "dismisses (one per contribution by a unique key) or redirects",
    "insights.add_route": ONE_PER_KEY,
    "insights.edit_title": CHANGES_ONE_RECORD,
    "insights.remove_route": "removes",
    "insights.set_tags": CHANGES_ONE_RECORD,
    "manage.delete_quota": "removes",
    "manage.export": "a download",
    "manage.member_action": CHANGES_ONE_RECORD,
    "manage.news_send": "sends once: a conditional update claims the item, a second is refused",
    "manage.settings": CHANGES_ONE_RECORD,
    "membership.confirm": CHANGES_ONE_RECORD,
    "membership.leave": CHANGES_ONE_RECORD,
    "membership.new_confirm_link": "rate-limited; each post mails a fresh link on purpose",
    "membership.pause": CHANGES_ONE_RECORD,
    "membership.privacy_update": CHANGES_ONE_RECORD,
    "membership.profile": CHANGES_ONE_RECORD,
    "membership.resume": CHANGES_ONE_RECORD,
    "notifications.mark_all_read": CHANGES_ONE_RECORD,
    "notifications.open_one": CHANGES_ONE_RECORD,
    "notifications.settings": CHANGES_ONE_RECORD,
    "owner.attendance": CHANGES_ONE_RECORD,
    "owner.edit_round": CHANGES_ONE_RECORD,
    "owner.hide": CHANGES_ONE_RECORD,
    "owner.idea": "the official answer: one per idea, rewritten by a second post",
    "owner.outcome": CHANGES_ONE_RECORD,
    "owner.outcome_public": CHANGES_ONE_RECORD,
    "owner.publish": CHANGES_ONE_RECORD,
    "owner.rules": CHANGES_ONE_RECORD,
    "owner.session_detail": "the session's notes: one text, rewritten by a second post",
    "owner.stage": CHANGES_ONE_RECORD,
    "results.publish": CHANGES_ONE_RECORD,
    "root.set_language": "a cookie",
    "rounds.cancel": ONE_PER_KEY,
    "rounds.register": ONE_PER_KEY,
    "rounds.respond_to_invitation": CHANGES_ONE_RECORD,
    "rounds.support": ONE_PER_KEY,
    "rounds.report": ONE_PER_KEY,
    "moderation.hide": "a conditional update: a second hide is refused",
    "moderation.unhide": "a conditional update: a second one is refused",
    "moderation.dismiss": "a conditional update of the open reports: a second finds none",
    "moderation.redact_item": "a conditional update on the text as it was: a second finds none",
    "owner.merge_idea": "a conditional update claims the duplicate: a second merge is refused",
    "insights.outcome_links": "sets the outcome's insights to those ticked, again the same",
    "manage.refresh_health": "one snapshot per minute by a unique key: a second press counts none",
    "owner.rename_category": CHANGES_ONE_RECORD,
    "owner.move_category": "moves one place; a second post moves it one more, as asked twice",
    "owner.remove_category": "removes",
    "rounds.edit_idea": CHANGES_ONE_RECORD,
    "rounds.edit_reaction": CHANGES_ONE_RECORD,
    "rounds.withdraw_idea": "a conditional update under the idea's lock: a second finds it gone",
    "rounds.withdraw_reaction": "removes (under the idea's lock: a second finds it gone)",
    "insights.edit": CHANGES_ONE_RECORD,
    "insights.merge": "a conditional update claims the merged insight: a second merge is refused",
    "insights.close": "a conditional update claims the insight: a second close is refused",
    "insights.reopen": "a conditional update: a second finds it open",
    "recognition_manage.set_budget": "one budget per quarter (its key), set to the amount asked",
    "recognition_manage.export": "a download (audit-logged), nothing stored",
    "recognition_manage.levels_page": CHANGES_ONE_RECORD,
    "shipped.link": "one link per change and insight or idea (its key), inserted unless there",
    "shipped.link_from_insight": "one link per change and insight (its key), inserted unless there",
    "shipped.link_from_idea": "one link per change and idea (its key), inserted unless there",
    "shipped.unlink": "deletes the link: a second finds none",
}


def test_every_post_endpoint_is_a_create_form_or_says_why_not(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    unknown = posting - set(CREATE_FORMS) - set(NOT_CREATING)
    assert not unknown, f"say whether these create records: {sorted(unknown)}"


@pytest.mark.parametrize("endpoint", sorted(CREATE_FORMS))
def test_a_create_form_sent_twice_at_once_creates_one_record(endpoint, world, db):
    form = CREATE_FORMS[endpoint](world, db)
    page = world.client.get(form.page)
    assert page.status_code == 200
    data = filled_in(page, form.action, form.data) if form.has_token else form.data
    before = form.count()
    responses = post_together(world.client, form.action, data, times=2)
    db.session.rollback()
    assert [r.status_code for r in responses] == [302, 302]
    # The double is answered like the first: the browser ends where the first one went.
    assert len({r.headers["Location"] for r in responses}) == 1
    after = form.count()
    if isinstance(before, tuple):
        assert after == tuple(b + form.creates for b in before), (before, after)
    else:
        assert after == before + form.creates


@pytest.mark.parametrize("make_form", [idea_form, comment_form], ids=["idea", "reaction"])
def test_six_posts_at_once_make_one_idea_or_reaction(make_form, world, db):
    form = make_form(world, db)
    token = form_token_for(world.client.get(form.page), form.action)
    responses = post_together(world.client, form.action, dict(form.data, form_token=token), 6)
    db.session.rollback()
    assert [r.status_code for r in responses] == [302] * 6
    assert len({r.headers["Location"] for r in responses}) == 1
    assert form.count() == 1


def test_the_double_is_told_calmly_where_the_first_went(world, db):
    form = idea_form(world, db)
    token = form_token_for(world.client.get(form.page), form.action)
    data = dict(form.data, form_token=token)
    first = world.client.post(form.action, data=data)
    again = world.client.post(form.action, data=data, follow_redirects=True)
    assert again.request.path == first.headers["Location"]
    assert "We had already received this, so it was saved only once." in again.get_data(
        as_text=True
    )
    assert Idea.query.count() == 1


def test_a_new_rendering_can_be_sent_and_a_form_without_a_token_still_works(world, db):
    form = idea_form(world, db)
    for _ in range(2):
        token = form_token_for(world.client.get(form.page), form.action)
        world.client.post(form.action, data=dict(form.data, form_token=token))
    world.client.post(form.action, data=form.data)
    assert Idea.query.count() == 3


def test_a_corrected_form_gets_a_new_token_after_a_refusal(world, db):
    form = comment_form(world, db)
    token = form_token_for(world.client.get(form.page), form.action)
    refused = world.client.post(form.action, data={"body": "", "form_token": token})
    assert form_token_for(refused, form.action) == token  # nothing was claimed yet
    world.client.post(form.action, data=dict(form.data, form_token=token))
    assert Comment.query.count() == 1


def test_old_tokens_are_purged(db):
    db.session.add(FormSubmission(token="a" * 32, created_at=utcnow() - timedelta(days=3)))
    db.session.add(FormSubmission(token="b" * 32))
    db.session.commit()
    assert purge_form_submissions(utcnow()) == 1
    assert [s.token for s in FormSubmission.query] == ["b" * 32]


@pytest.mark.parametrize("make_form", [touchpoint_form, join_form], ids=["touchpoint", "join"])
def test_the_same_answer_from_two_tabs_at_once_is_kept_once(make_form, world, db):
    """Two renderings (two tokens) sent together: the unique key decides, without an error page."""
    form = make_form(world, db)
    tokens = [form_token_for(world.client.get(form.page), form.action) for _ in range(2)]
    barrier = threading.Barrier(2)
    codes = []

    def send(token):
        barrier.wait()
        codes.append(world.client.post(form.action, data=dict(form.data, form_token=token)))

    threads = [threading.Thread(target=send, args=(token,)) for token in tokens]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    db.session.rollback()
    assert [response.status_code for response in codes] == [302, 302]
    kept = form.count()
    assert (kept[0] if isinstance(kept, tuple) else kept) == 1
