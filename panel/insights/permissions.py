"""Pure permission functions for insights and stream inboxes."""

from ..security import Role


def can_create_insights(user):
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)


def can_read_insights(user):
    """The insights pages: those who make insights, and the streams' reviewers."""
    return user.is_authenticated and user.has_any_role(
        Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER
    )


def can_set_up_routing(user):
    """Streams, tags and routing rules are set up by administrators and panel managers."""
    return user.is_authenticated and user.has_any_role(Role.ADMIN, Role.PANEL_MANAGER)


def can_see_insight(user, insight, reviewer_streams):
    """Creators see every insight; a reviewer only those routed to one of their streams."""
    if can_create_insights(user):
        return True
    return any(route.stream_id in reviewer_streams for route in insight.routes)


def can_work_route(user, route, reviewer_streams):
    """Statuses, notes and answers belong to the stream's own reviewers (and panel managers)."""
    return user.has_role(Role.PANEL_MANAGER) or route.stream_id in reviewer_streams


def can_open_stream_inbox(user, stream_id, reviewer_streams):
    """A stream's inbox: its own reviewers, and panel managers (who look after every stream)."""
    return user.has_role(Role.PANEL_MANAGER) or stream_id in reviewer_streams
