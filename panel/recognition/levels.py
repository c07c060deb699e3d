"""Contributor levels over the last 12 months (helper D fills this in)."""


def health_section(figures):
    """Answers signals.panel_health_sections: (template name, context)."""
    return "recognition/_levels_health.html", {}
