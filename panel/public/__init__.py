"""Public pages: the home page, the language switch and the health check."""

from flask import Blueprint

bp = Blueprint("public", __name__)
root_bp = Blueprint("root", __name__)

from . import views  # noqa: E402,F401  (the routes need the blueprints)


def init_app(app):
    app.register_blueprint(root_bp)
    app.register_blueprint(bp, url_prefix="/<lang>")
