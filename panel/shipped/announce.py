"""Telling the members who asked for a change that it shipped (helper B fills this in)."""


def announce_shipped(release):
    """Send "You asked for this" once to every asker of the published `release`'s changes who
    has not been told about it yet; returns how many were told. Safe to call again."""
    return 0


def on_release_published(release):
    """Answers signals.release_published."""
    announce_shipped(release)
