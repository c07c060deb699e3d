"""Demo: the panel team's thank-yous and budgets (helper E fills this in)."""


def demo_thank_yous(rng, staff, now):
    """A year of thank-yous within quarterly budgets."""
