import numpy as np

from ml import number_crops, number_synth
from ml.data import Digits


def _layout(mnist_test, seed: int, touch_share: float) -> number_synth.Layout:
    rng = np.random.default_rng(seed)
    return number_synth.layout(list(mnist_test.images[:2]), rng, touch_share=touch_share)


def test_layout_draws_what_compose_draws(mnist_test):
    images = list(mnist_test.images[:4])
    ink, touching = number_synth.compose(images, np.random.default_rng(7), touch_share=0.5)
    placed = number_synth.layout(images, np.random.default_rng(7), touch_share=0.5)
    assert np.array_equal(placed.canvas(), ink)
    assert placed.touching == touching
    assert np.array_equal(np.maximum(placed.canvas([0, 1]), placed.canvas([2, 3])), ink)


def test_cut_keeps_the_digit_and_at_most_a_sliver_of_its_neighbour(mnist_test):
    for seed in range(20):
        placed = _layout(mnist_test, seed, touch_share=1.0)
        for side in (0, 1):
            crop = number_crops.cut(placed, side, np.random.default_rng(seed))
            own = placed.canvas([side])
            width = crop.shape[1]
            kept = slice(None, width) if side == 0 else slice(own.shape[1] - width, None)
            total = own.sum()
            assert (crop - own[:, kept]).sum() <= number_crops.MAX_SCRAP * total  # added
            assert own[:, kept].sum() >= (1 - number_crops.MAX_SCRAP) * total  # kept


def test_cut_of_digits_apart_is_the_digit_alone(mnist_test):
    placed = _layout(mnist_test, 3, touch_share=0.0)
    assert placed.touching == 0
    crop = number_crops.cut(placed, 1, np.random.default_rng(0))
    right = placed.canvas([1])
    assert np.array_equal(crop, right[:, right.shape[1] - crop.shape[1] :])


def test_inputs_are_model_inputs_the_same_for_a_seed(mnist_test):
    digits = Digits(mnist_test.images[:30], mnist_test.labels[:30])
    x, y = number_crops.inputs(12, seed=1, digits=digits)
    assert x.shape == (12, 28, 28) and x.dtype == np.float32
    assert set(y) <= set(digits.labels)
    x_again, y_again = number_crops.inputs(12, seed=1, digits=digits)
    assert np.array_equal(x, x_again) and np.array_equal(y, y_again)


def test_inputs_label_each_crop_with_the_digit_it_was_cut_for(mnist_test):
    # Ones beside zeros: a crop labelled 1 is narrow, one labelled 0 is round.
    ones, zeros = (mnist_test.images[mnist_test.labels == d][:20] for d in (1, 0))
    digits = Digits(np.concatenate([ones, zeros]), np.array([1] * 20 + [0] * 20, np.uint8))
    x, y = number_crops.inputs(40, seed=2, digits=digits)
    widths = (x > 0.5).any(axis=1).sum(axis=1)
    assert widths[y == 1].mean() < 0.6 * widths[y == 0].mean()
