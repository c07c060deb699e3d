"""Demo: release changes linked to the insights and ideas they answer (helper A fills this in)."""


def demo_shipped(rng, staff, now):
    """Links some of the latest releases' changes to insights and ideas; the askers are told."""
