"""News: panel managers write, preview and send it; members read it on its own page."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..errors import NotAllowed
from ..extensions import db
from ..forms import BaseForm, ConfirmForm
from ..i18n import lazy_gettext as _l
from ..i18n import speaking
from ..paging import count_of, paginate
from ..security import form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import bp, manage_bp
from .models import Member, MemberStatus
from .news import LANGUAGES, NewsItem, save_news, send_news

PAGE_SIZE = 20
HALF_WRITTEN = {
    "nl": _l("Write both the subject and the text in Dutch, or leave both empty."),
    "en": _l("Write both the subject and the text in English, or leave both empty."),
}


class NewsForm(BaseForm):
    subject_nl = StringField(
        _l("Subject in Dutch"), validators=[Length(max=150)], render_kw={"lang": "nl"}
    )
    subject_en = StringField(
        _l("Subject in English"), validators=[Length(max=150)], render_kw={"lang": "en"}
    )
    body_nl = TextAreaField(
        _l("Text in Dutch"), validators=[Length(max=10000)], render_kw={"lang": "nl", "rows": 10}
    )
    body_en = TextAreaField(
        _l("Text in English"), validators=[Length(max=10000)], render_kw={"lang": "en", "rows": 10}
    )

    def _written(self, lang):
        return [
            bool((getattr(self, f"{part}_{lang}").data or "").strip())
            for part in ("subject", "body")
        ]

    def validate_subject_nl(self, field):
        if not any(all(self._written(lang)) for lang in LANGUAGES):
            raise ValidationError(_l("Write the subject and the text in at least one language."))

    def validate_body_nl(self, field):
        if any(self._written("nl")) and not all(self._written("nl")):
            raise ValidationError(HALF_WRITTEN["nl"])

    def validate_body_en(self, field):
        if any(self._written("en")) and not all(self._written("en")):
            raise ValidationError(HALF_WRITTEN["en"])

    def news_data(self):
        return {
            name: getattr(self, name).data
            for name in ("subject_nl", "subject_en", "body_nl", "body_en")
        }


def _news_or_404(news_id):
    return db.session.get(NewsItem, news_id) or abort(404)


def _active_member_count():
    return db.session.scalar(
        select(func.count(Member.id)).where(
            Member.status == MemberStatus.ACTIVE.value, Member.user_id.isnot(None)
        )
    )


@manage_bp.route("/news")
def news():
    drafts = db.session.scalars(
        select(NewsItem).where(NewsItem.sent_at.is_(None)).order_by(NewsItem.updated_at.desc())
    ).all()
    sent_rows = select(NewsItem).where(NewsItem.sent_at.isnot(None))
    page = paginate(
        sent_rows.order_by(NewsItem.sent_at.desc(), NewsItem.id.desc()),
        count_of(sent_rows),
        PAGE_SIZE,
    )
    return render_template("manage/news.html", drafts=drafts, page=page)


@manage_bp.route("/news/new", methods=["GET", "POST"])
@manage_bp.route("/news/<int:news_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def news_form(news_id=None):
    item = None if news_id is None else _news_or_404(news_id)
    if item is not None and item.is_sent:
        flash(_("This news has been sent, so it can no longer be changed."), "info")
        return redirect(url_for("manage.news_preview", news_id=item.id))
    form = NewsForm(obj=item)
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("manage.news"))
        try:
            item = save_news(item, form.news_data(), current_user)
        except NotAllowed:
            db.session.rollback()
            flash(_("This news has been sent, so it can no longer be changed."), "info")
            return redirect(url_for("manage.news"))
        flash(_("The news is saved. Check it before you send it."), "success")
        return redirect(url_for("manage.news_preview", news_id=item.id))
    return render_template("manage/news_form.html", form=form, item=item)


@manage_bp.route("/news/<int:news_id>")
def news_preview(news_id):
    item = _news_or_404(news_id)
    previews = []
    for lang in LANGUAGES:
        subject, body = item.in_language("subject", lang), item.in_language("body", lang)
        # The fallback mark as its readers get it: in their own language.
        with speaking(lang):
            mark = item.fallback_mark(body) if body.is_fallback else None
        previews.append((lang, subject, body, mark))
    return render_template(
        "manage/news_preview.html",
        item=item,
        previews=previews,
        recipients=None if item.is_sent else _active_member_count(),
        send_form=ConfirmForm(),
    )


@manage_bp.route("/news/<int:news_id>/send", methods=["POST"])
def news_send(news_id):
    item = _news_or_404(news_id)
    try:
        count = send_news(item, current_user)
    except NotAllowed as refusal:
        db.session.rollback()
        if refusal.code == "sent":
            flash(_("This news had already been sent. It went out once."), "info")
        else:
            flash(_("Write the subject and the text in at least one language."), "error")
        return redirect(url_for("manage.news_preview", news_id=news_id))
    flash(
        ngettext(
            "The news is sent to %(num)s member.", "The news is sent to %(num)s members.", count
        )
        if count
        else _("The news is sent, but there are no active members to send it to yet."),
        "success",
    )
    return redirect(url_for("manage.news"))


@bp.route("/news/<int:news_id>")
def news_item(news_id):
    item = db.session.get(NewsItem, news_id)
    if item is None or not item.is_sent:
        abort(404)
    return render_template("membership/news_item.html", item=item)
