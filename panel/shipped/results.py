"""The release results page, per linked change: those who asked for it against everyone else
(helper C fills this in)."""


def askers_sections(release):
    """Answers signals.release_results_sections: [(template name, context)]."""
    return []
