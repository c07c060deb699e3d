"""Your impact, on the panelist's dashboard (helper D fills this in)."""


def impact_sections(member):
    """Answers signals.dashboard_sections: [(template name, context)]."""
    return []
