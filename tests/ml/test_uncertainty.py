import numpy as np
import pytest

from ml import uncertainty
from ml.uncertainty import Calibration


def _outputs(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def _one_hot_ish(digit: int, p: float, classes: int = 11) -> list[float]:
    row = [(1 - p) / (classes - 1)] * classes
    row[digit] = p
    return row


def test_calibrated_at_temperature_one_keeps_the_outputs():
    outputs = _outputs([_one_hot_ish(3, 0.9), _one_hot_ish(10, 0.6)])
    assert uncertainty.calibrated(outputs, 1.0) == pytest.approx(outputs)


def test_split_renormalizes_digits_and_returns_not_a_digit():
    digits, not_digit = uncertainty.split(_outputs([[0.1] * 5 + [0.0] * 5 + [0.5]]))
    assert digits[0].sum() == pytest.approx(1)
    assert not_digit[0] == pytest.approx(0.5)


def test_split_of_a_ten_output_model_knows_no_not_a_digit():
    digits, not_digit = uncertainty.split(_outputs([_one_hot_ish(2, 0.9, classes=10)]))
    assert digits.shape == (1, 10)
    assert not_digit.tolist() == [0.0]


def test_fit_temperature_cools_an_overconfident_model():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    # Always 99 % sure, right only 70 % of the time: the honest temperature is above 1.
    guesses = np.where(rng.random(2000) < 0.7, labels, (labels + 1) % 10)
    outputs = _outputs([_one_hot_ish(g, 0.99, classes=10) for g in guesses])
    temperature = uncertainty.fit_temperature(outputs, labels)
    assert temperature > 1.5
    before = uncertainty.expected_calibration_error(outputs, labels)
    after = uncertainty.expected_calibration_error(
        uncertainty.calibrated(outputs, temperature), labels
    )
    assert before == pytest.approx(0.29, abs=0.03)
    assert after < 0.05


def test_judge_names_the_reason_and_the_alternatives():
    calibration = Calibration(not_digit_threshold=0.5, ambiguous_threshold=0.8)
    four_or_nine = [0.0] * 11
    four_or_nine[4], four_or_nine[9], four_or_nine[7] = 0.54, 0.4, 0.06
    scribble = _one_hot_ish(10, 0.9)
    clear = _one_hot_ish(7, 0.99)
    judged = uncertainty.judge(_outputs([four_or_nine, scribble, clear]), calibration)
    assert (judged[0].uncertain, judged[0].reason) == (True, "ambiguous")
    assert judged[0].alternatives == (4, 9, 7)
    assert (judged[1].uncertain, judged[1].reason) == (True, "not_a_digit")
    assert (judged[2].uncertain, judged[2].reason, judged[2].alternatives) == (False, None, (7,))
    assert sum(judged[0].probabilities) == pytest.approx(1)


def test_choose_flags_the_target_share_of_validation_digits():
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(4000):
        row = rng.dirichlet([0.05] * 10 + [0.01]) * 0.2
        row[rng.integers(10)] += 0.8
        rows.append(row / row.sum())
    outputs = _outputs(rows)
    calibration = uncertainty.choose(outputs, temperature=1.0, rate=0.02)
    assert uncertainty.flagged(outputs, calibration).mean() == pytest.approx(0.02, abs=0.003)


def test_calibration_round_trips_through_metrics_and_defaults_to_flagging_nothing():
    calibration = Calibration(1.3, 0.2, 0.6, 0.01)
    assert Calibration.from_metrics({"uncertainty": calibration.to_metrics()}) == calibration
    none = Calibration.from_metrics({"version": "old"})
    assert not uncertainty.flagged(_outputs([_one_hot_ish(10, 0.99)]), none).any()
