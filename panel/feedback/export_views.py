"""The release's responses as a CSV download for staff who manage releases."""

from flask import Response as HttpResponse
from flask import stream_with_context
from sqlalchemy.orm import selectinload

from ..exports import CsvRows, attachment
from . import results_bp
from .models import Response
from .results_views import release_or_404, require_manager


@results_bp.route("/releases/<int:release_id>/responses.csv")
def export(release_id):
    require_manager()
    release = release_or_404(release_id)
    changes = release.changes

    def rows():
        csv_rows = CsvRows()
        yield csv_rows.line(
            [
                "response",
                "score",
                "customer_type",
                "platform",
                "age_band",
                "improve",
                "problem_device",
                "problem_os",
                "problem",
                "updated_at",
            ]
            + [f"change_{c.position + 1}" for c in changes]
        )
        query = (
            Response.query.options(selectinload(Response.ratings))
            .filter_by(release_id=release.id)
            .order_by(Response.id)
            .yield_per(1000)
        )
        for response in query:
            ratings = {
                r.change_id: ("not_used" if r.rating is None else r.rating)
                for r in response.ratings
            }
            yield csv_rows.line(
                [
                    response.id,
                    response.score,
                    response.customer_type or "",
                    response.platform or "",
                    response.age_band or "",
                    response.improve_text or "",
                    response.problem_device or "",
                    response.problem_os or "",
                    response.problem_text or "",
                    response.updated_at.isoformat(),
                ]
                + [ratings.get(c.id, "") for c in changes]
            )

    return HttpResponse(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(f"feedback-{release.version}.csv")},
    )
