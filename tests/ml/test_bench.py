"""The serving benchmark's figures for whole numbers."""

from ml.bench import number_timings
from ml.inference import Predictor, resolve_model_dir


def test_number_timings_reads_each_kind_of_number_and_times_it(mnist_test):
    figures = number_timings(Predictor(resolve_model_dir("models")), mnist_test, runs=1)
    assert list(figures) == [
        "number_ms_4_digits_apart",
        "number_ms_6_digits_all_touching",
        "number_ms_12_digits_all_touching",
    ]
    assert all(value > 0 for value in figures.values())
