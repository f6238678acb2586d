"""Label quality: the score, the mis-taps it is measured with, and the command that measures it."""

import numpy as np
import pytest

from ml import mistaps
from ml.label_quality import label_check, mistap, seeded_queues, surfaced, wrong_scores


def test_wrong_scores_are_one_minus_the_labels_probability_over_eleven_answers():
    probabilities = [[0.0] * 10, [0.0] * 10]
    probabilities[0][3], probabilities[0][8] = 0.9, 0.1
    probabilities[1][7] = 1.0
    scores = wrong_scores(probabilities, [0.5, 0.2], [8, 10])
    assert scores == pytest.approx([1 - 0.1 * 0.5, 1 - 0.2])


def test_label_check_names_what_the_model_read():
    probabilities = [0.0] * 10
    probabilities[3] = 0.999
    probabilities[8] = 0.001
    check = label_check(probabilities, 0.0, 8)
    assert check.read_as == 3 and check.read_probability == pytest.approx(0.999)
    assert check.score == pytest.approx(0.999)
    assert label_check(probabilities, 0.9, 10).read_as == 10


def test_mistap_moves_each_digit_to_a_neighbouring_key():
    labels = np.arange(10).repeat(50)
    moved = mistap(labels, np.random.default_rng(0))
    assert (np.abs(moved - labels) == 1).all()
    assert set(moved[labels == 0]) == {1} and set(moved[labels == 9]) == {8}


def test_surfaced_counts_wrong_labels_among_the_highest_scores():
    scores = np.array([0.1, 0.99, 0.2, 0.95, 0.3])
    wrong = np.array([False, True, False, False, True])
    assert surfaced(scores, wrong, depths=(1, 2, 5)) == {1: 1, 2: 1, 5: 2}


def test_seeded_queues_find_every_mistap_when_scores_separate_them():
    found = seeded_queues(np.full(500, 0.01), np.full(50, 0.99), runs=5)
    assert found == {10: 10.0, 20: 20.0, 40: 20.0}


def test_mistaps_command_prints_the_threshold_table_and_the_queue(capsys):
    mistaps.main(["--limit", "200"])
    out = capsys.readouterr().out
    assert "200 validation digits as canvas PNGs" in out
    assert "0.90" in out and "<- LIKELY_WRONG" in out
    assert "mis-taps in the queue's first" in out and "40: " in out
