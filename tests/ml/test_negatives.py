import numpy as np
from scipy import ndimage

from ml import negatives
from ml.ink_parts import EIGHT
from ml.preprocessing import preprocess


def test_generate_yields_canvas_pngs_the_site_reads(mnist_test):
    pngs = list(negatives.generate(16, seed=3, typed=True, digits=mnist_test.images[:50]))
    assert len(pngs) == 16
    assert all(png.startswith(b"\x89PNG") for png in pngs)
    inputs = [preprocess(png).pixels for png in pngs]
    assert all(pixels.shape == (28, 28) and pixels.max() > 0.5 for pixels in inputs)


def test_generate_is_the_same_for_a_seed_and_differs_between_seeds(mnist_test):
    digits = mnist_test.images[:50]
    first = list(negatives.generate(8, seed=5, digits=digits))
    assert first == list(negatives.generate(8, seed=5, digits=digits))
    assert first != list(negatives.generate(8, seed=6, digits=digits))


def test_partial_digit_keeps_part_of_the_ink_and_no_closed_loop(mnist_test):
    rng = np.random.default_rng(0)
    eights = mnist_test.images[mnist_test.labels == 8][:20]
    for _ in range(10):
        part = negatives.partial_digit(eights, rng)
        ink = (part > 25).sum()
        assert 0 < ink < max((digit > 25).sum() for digit in eights)
        assert negatives._reads_as_stroke(part > 60)


def test_inputs_are_model_inputs(mnist_test):
    inputs = negatives.inputs(12, seed=1, digits=mnist_test.images[:50])
    assert inputs.shape[1:] == (28, 28)
    assert len(inputs) >= 10
    assert inputs.dtype == np.float32


def test_touching_pair_draws_two_digits_as_one_piece_of_ink(mnist_test):
    # Digits that are one piece each, so that the pair is one piece only if they touch.
    whole = [d for d in mnist_test.images[:200] if ndimage.label(d > 25, EIGHT)[1] == 1]
    rng = np.random.default_rng(2)
    for _ in range(10):
        ink = negatives.touching_pair(np.stack(whole[:20]), rng)
        _, pieces = ndimage.label(ink > 0.1, EIGHT)
        assert pieces == 1
