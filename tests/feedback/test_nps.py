"""NPS arithmetic against hand-computed cases, and the significance verdict."""

import math

import pytest

from panel.feedback.nps import Score, compare


def counts(**by_score):
    row = [0] * 11
    for score, number in by_score.items():
        row[int(score[1:])] = number
    return row


def test_no_responses():
    score = Score.from_counts([0] * 11)
    assert score.n == 0 and score.nps is None and score.interval is None


def test_one_response():
    score = Score.from_counts(counts(s9=1))
    assert score.n == 1 and score.nps == 100
    assert score.standard_error == 0 and score.interval == (100, 100)


def test_all_promoters():
    score = Score.from_counts(counts(s9=40, s10=60))
    assert score.nps == 100 and score.interval == (100.0, 100.0)


def test_mixed_by_hand():
    # 50 promoters, 30 passives, 20 detractors out of 100.
    score = Score.from_counts(counts(s10=50, s7=30, s3=20))
    assert (score.promoters, score.passives, score.detractors) == (50, 30, 20)
    assert score.nps == pytest.approx(30.0)
    # variance = p + d − (p − d)² = 0.5 + 0.2 − 0.09 = 0.61; se = 100·√(0.61/100) = 7.8102
    assert score.standard_error == pytest.approx(100 * math.sqrt(0.61 / 100))
    low, high = score.interval
    assert low == pytest.approx(30 - 1.959964 * 7.810250, abs=1e-4)
    assert high == pytest.approx(30 + 1.959964 * 7.810250, abs=1e-4)


def test_interval_is_clipped():
    score = Score.from_counts(counts(s10=9, s0=1))
    assert score.interval[1] <= 100


def test_significant_rise():
    before = Score.from_counts(counts(s10=30, s8=40, s2=30))  # NPS 0
    after = Score.from_counts(counts(s10=50, s8=30, s2=20))  # NPS 30
    change = compare(before, after)
    assert change.points == pytest.approx(30)
    assert change.significant and change.direction == "rise"


def test_small_change_is_not_significant():
    before = Score.from_counts(counts(s10=30, s8=40, s2=30))
    after = Score.from_counts(counts(s10=32, s8=38, s2=30))
    change = compare(before, after)
    assert change.points == pytest.approx(2) and not change.significant


def test_significant_fall():
    before = Score.from_counts(counts(s10=300, s8=400, s2=300))
    after = Score.from_counts(counts(s10=250, s8=400, s2=350))
    change = compare(before, after)
    assert change.points == pytest.approx(-10) and change.significant and change.direction == "fall"


def test_nothing_to_compare():
    assert compare(Score.from_counts([0] * 11), Score.from_counts(counts(s9=3))) is None
    # Everyone alike in both: no claim either way.
    assert not compare(Score.from_counts(counts(s9=3)), Score.from_counts(counts(s0=3))).significant
