"""Demo: contributor levels counted, some members showing their badge (helper D fills this in)."""


def demo_levels(rng, now):
    """Counts every member's contributor level; some members agreed to show it."""
