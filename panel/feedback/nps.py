"""Net Promoter Score arithmetic from score counts: the score, its interval, and change tests.

NPS is the mean of a variable that is +1 for a promoter (9–10), 0 for a passive (7–8) and −1 for
a detractor (0–6), times 100. Its variance is p + d − (p − d)², with p and d the shares of
promoters and detractors, which gives the standard error and a normal-approximation 95% interval.
The difference between two releases is tested with a two-sample z-test on the two scores.
"""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Score:
    n: int
    promoters: int
    passives: int
    detractors: int

    @classmethod
    def from_counts(cls, counts):
        """counts: a sequence of 11 numbers, the responses per score 0…10."""
        counts = list(counts) + [0] * (11 - len(counts))
        return cls(sum(counts), sum(counts[9:11]), sum(counts[7:9]), sum(counts[0:7]))

    @property
    def nps(self):
        if not self.n:
            return None
        return 100 * (self.promoters - self.detractors) / self.n

    @property
    def standard_error(self):
        """In NPS points."""
        if not self.n:
            return None
        p, d = self.promoters / self.n, self.detractors / self.n
        variance = max(p + d - (p - d) ** 2, 0.0)
        return 100 * math.sqrt(variance / self.n)

    @property
    def interval(self):
        """The 95% confidence interval, clipped to −100…100; None without responses."""
        if not self.n:
            return None
        margin = Z95 * self.standard_error
        return max(self.nps - margin, -100.0), min(self.nps + margin, 100.0)


@dataclass(frozen=True)
class Change:
    points: float
    z: float | None
    significant: bool

    @property
    def direction(self):
        return "rise" if self.points > 0 else "fall" if self.points < 0 else "same"


def compare(before, after):
    """Is the change from `before` to `after` (two Scores) larger than chance at 95%?"""
    if not before.n or not after.n:
        return None
    points = after.nps - before.nps
    spread = math.sqrt(before.standard_error**2 + after.standard_error**2)
    if spread == 0:
        # Everyone answered alike in both releases: the normal approximation has nothing to
        # go on, so no claim is made either way.
        return Change(points, None, False)
    z = points / spread
    return Change(points, z, abs(z) > Z95)
