import pytest

from ml import registry
from ml.inference import CURRENT, SERVED_MODEL


@pytest.fixture
def models(tmp_path):
    for version in ("cnn-a", "cnn-b"):
        (tmp_path / version).mkdir()
        (tmp_path / version / SERVED_MODEL).write_bytes(b"flatbuffer")
    (tmp_path / CURRENT).write_text("cnn-a\n")
    return tmp_path


def test_set_serving_switches_current_atomically(models):
    registry.set_serving(models, "cnn-b")
    assert registry.serving_version(models) == "cnn-b"
    assert sorted(p.name for p in models.iterdir()) == [CURRENT, "cnn-a", "cnn-b"]  # no temp


def test_set_serving_refuses_unknown_versions(models):
    with pytest.raises(registry.RegistryError, match="no model version 'cnn-zzz'"):
        registry.set_serving(models, "cnn-zzz")
    assert registry.serving_version(models) == "cnn-a"


def test_a_folder_without_current_is_not_a_registry(tmp_path):
    with pytest.raises(registry.RegistryError, match="CURRENT"):
        registry.serving_version(tmp_path)


def _comparison(**changes):
    values = dict(
        current_version="a",
        new_version="b",
        mnist_count=100,
        mnist_current=0.99,
        mnist_new=0.99,
        real_count=10,
        real_current=0.8,
        real_new=0.8,
        digits_flagged_current=0.01,
        digits_flagged_new=0.01,
        negatives_count=200,
        negatives_flagged_current=0.95,
        negatives_flagged_new=0.95,
    )
    return registry.Comparison(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "promote", "reason"),
    [
        ({}, True, registry.PROMOTE),
        ({"mnist_new": 0.995, "real_new": 0.9}, True, registry.PROMOTE),
        ({"mnist_new": 0.989}, False, "not promoted: MNIST test accuracy 98.90%"),
        ({"real_new": 0.7}, False, "not promoted: accuracy on the 10 held-out real drawings"),
        ({"real_count": 0, "real_current": None, "real_new": None}, True, registry.PROMOTE),
        ({"digits_flagged_new": 0.014}, True, registry.PROMOTE),
        ({"digits_flagged_new": 0.02}, False, 'not promoted: it says "not sure" about 2.00%'),
        ({"negatives_flagged_new": 0.9}, False, "not promoted: it flags 90.00% of the 200"),
        ({"negatives_flagged_new": 0.99, "digits_flagged_new": 0.005}, True, registry.PROMOTE),
    ],
)
def test_promotion_rule(changes, promote, reason):
    decided, why = _comparison(**changes).decision()
    assert decided is promote and why.startswith(reason)


def test_promotion_rule_mnist_tolerance_is_explicit():
    slightly_worse = _comparison(mnist_new=0.9896)
    assert slightly_worse.decision()[0] is False
    assert slightly_worse.decision(mnist_tolerance=0.0005)[0] is True
    assert slightly_worse.decision(mnist_tolerance=0.0003)[0] is False
