"""Drift's stated tests on known mixes."""

import pytest

from ml import drift


def window(answers, not_sure=0, mean=0.99, sd=0.02) -> drift.Window:
    return drift.Window(sum(answers), answers, not_sure, mean, sd)


def test_psi_is_zero_for_the_same_mix_and_large_for_a_shifted_one():
    even = [100] * 11
    assert drift.psi(even, even) == pytest.approx(0.0)
    sevens = [50] * 7 + [600] + [50] * 3
    assert drift.psi(sevens, even) > drift.PSI_SHIFT


def test_judge_flags_each_shift_it_finds():
    before = window([100] * 11, not_sure=11)
    assert drift.judge(window([100] * 11, not_sure=11), before)["flagged"] is False
    shifted = drift.judge(window([50] * 7 + [600] + [50] * 3, not_sure=300, mean=0.9), before)
    assert shifted["shifts"] == ["answers", "not_sure_rate", "mean_confidence"]


def test_judge_says_when_a_window_is_too_small():
    small = drift.judge(window([5] * 11), window([100] * 11))
    assert small == {
        "enough": False,
        "flagged": False,
        "shifts": [],
        "psi": None,
        "not_sure_z": None,
        "confidence_z": None,
    }
