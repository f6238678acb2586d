import pytest

from ml import promotion


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
    return promotion.Comparison(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "promote", "reason"),
    [
        ({}, True, promotion.PROMOTE),
        ({"mnist_new": 0.995, "real_new": 0.9}, True, promotion.PROMOTE),
        ({"mnist_new": 0.989}, False, "not promoted: MNIST test accuracy 98.90%"),
        ({"real_new": 0.7}, False, "not promoted: accuracy on the 10 held-out real drawings"),
        ({"real_count": 0, "real_current": None, "real_new": None}, True, promotion.PROMOTE),
        ({"digits_flagged_new": 0.014}, True, promotion.PROMOTE),
        ({"digits_flagged_new": 0.02}, False, 'not promoted: it says "not sure" about 2.00%'),
        ({"negatives_flagged_new": 0.9}, False, "not promoted: it flags 90.00% of the 200"),
        ({"negatives_flagged_new": 0.99, "digits_flagged_new": 0.005}, True, promotion.PROMOTE),
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
