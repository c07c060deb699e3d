"""Administration: users and roles, the audit log and the e-mail outbox."""

from flask import Blueprint

from ..security import Role, guard_blueprint
from .permissions import can_administer

bp = guard_blueprint(Blueprint("admin", __name__), Role.ADMIN)

from . import views  # noqa: E402,F401  (the routes need bp)


def init_app(app):
    app.register_blueprint(bp, url_prefix="/<lang>/admin")
    app.add_template_global(can_administer)
