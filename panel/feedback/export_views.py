"""The release's responses as a CSV download for staff who manage releases: headers, segments and
"not used" in the exporter's language, times on Amsterdam's clock, typed text never a formula."""

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..exports import CsvRows, csv_download, local_time
from ..membership.segments import AgeBand, CustomerType, Platform
from . import results_bp
from .models import Response
from .results_views import release_or_404, require_manager


@results_bp.route("/releases/<int:release_id>/responses.csv")
def export(release_id):
    require_manager()
    release = release_or_404(release_id)
    # Read now: the lines are written after the view has returned.
    changes = list(release.changes)
    return csv_download(response_lines(release.id, changes), f"feedback-{release.version}.csv")


def response_lines(release_id, changes):
    """The release's responses as CSV lines, read a thousand at a time."""
    csv_rows = CsvRows()
    yield csv_rows.line(
        [
            _("Number"),
            _("Score (0 to 10)"),
            _("Customer type"),
            _("Phone"),
            _("Age"),
            _("What could be better"),
            _("Device"),
            _("Operating system"),
            _("Problem"),
            _("Last changed"),
        ]
        + [f"{_('Change %(number)s', number=c.position + 1)}: {c.title}" for c in changes]
    )
    not_used = _("Not used")
    query = (
        Response.query.options(selectinload(Response.ratings))
        .filter_by(release_id=release_id)
        .order_by(Response.id)
        .yield_per(1000)
    )
    for response in query:
        ratings = {
            r.change_id: (not_used if r.rating is None else r.rating) for r in response.ratings
        }
        yield csv_rows.line(
            [
                response.id,
                response.score,
                CustomerType.title_of(response.customer_type),
                Platform.title_of(response.platform),
                AgeBand.title_of(response.age_band),
                response.improve_text,
                response.problem_device,
                response.problem_os,
                response.problem_text,
                local_time(response.updated_at),
            ]
            + [ratings.get(c.id, "") for c in changes]
        )
