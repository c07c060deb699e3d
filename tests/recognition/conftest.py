"""The recognition tests' shared setup: a product owner, a panel manager and a published round
in its idea stage (the helpers are those of the shipped tests).

A test module adjusts the manager with a module-level MANAGER (make_user keywords)."""

import pytest

from panel.security import Role
from tests.shipped.conftest import new_round


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner")


@pytest.fixture
def manager(request, make_user):
    settings = getattr(request.module, "MANAGER", {})
    return make_user(roles=[Role.PANEL_MANAGER], name="Maud Manager", **settings)


@pytest.fixture
def round_(db, owner):
    return new_round(db, owner, stage="idea")
