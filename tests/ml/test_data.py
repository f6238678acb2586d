import numpy as np
import pytest

from ml import data


def test_load_mnist_bundled_has_all_70000_digits():
    mnist = data.load_mnist()
    assert mnist.train.images.shape == (60000, 28, 28)
    assert mnist.test.images.shape == (10000, 28, 28)
    assert mnist.train.images.dtype == np.uint8 and mnist.train.images.max() == 255
    assert set(np.unique(mnist.test.labels)) == set(range(10))
    assert len(mnist.fingerprint()) == 16


def test_load_mnist_reads_a_keras_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    images = np.random.default_rng(0).integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = np.arange(12) % 10
    np.savez(path, x_train=images, y_train=labels, x_test=images[:2], y_test=labels[:2])
    mnist = data.load_mnist(path)
    assert np.array_equal(mnist.train.images, images)
    assert list(mnist.test.labels) == [0, 1]


def test_load_mnist_refuses_unknown_files(tmp_path):
    with pytest.raises(data.DataFormatError, match=r"expected \.pkl\.gz, \.npz or \.csv"):
        data.load_mnist(tmp_path / "digits.txt")


def test_split_validation_is_seeded_and_disjoint():
    pool = data.Digits(
        np.arange(100 * 784, dtype=np.uint32).reshape(100, 28, 28).astype(np.uint8),
        np.arange(100) % 10,
    )
    train, val = data.split_validation(pool, 20, seed=1)
    again, _ = data.split_validation(pool, 20, seed=1)
    assert len(train) == 80 and len(val) == 20
    assert np.array_equal(train.labels, again.labels)


def _csv(path, header, rows):
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, r)) for r in rows]) + "\n")
    return path


def test_load_csv_reads_labelled_and_unlabelled_files(tmp_path):
    pixels = [f"pixel{i}" for i in range(784)]
    labelled = _csv(tmp_path / "train.csv", ["label", *pixels], [[7] + [0] * 783 + [255]])
    digits = data.load_csv(labelled)
    assert digits.images.shape == (1, 28, 28) and digits.images[0, 27, 27] == 255
    assert list(digits.labels) == [7]
    unlabelled = data.load_csv(_csv(tmp_path / "test.csv", pixels, [[0] * 784, [1] * 784]))
    assert unlabelled.labels is None and len(unlabelled) == 2


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            ["label", *[f"pixel{i}" for i in range(784)]],
            [7] + [0] * 700,
            "expected 785 columns, found 701",
        ),
        (
            ["label", *[f"pixel{i}" for i in range(784)]],
            [7] + [0] * 783 + [256],
            "integers from 0 to 255",
        ),
        (
            ["label", *[f"pixel{i}" for i in range(784)]],
            [7] + [0] * 783 + [-1],
            "integers from 0 to 255",
        ),
        (["label", *[f"pixel{i}" for i in range(784)]], ["x"] + [0] * 784, "label must be a digit"),
        (["label", *[f"pixel{i}" for i in range(784)]], [""] + [0] * 784, "label must be a digit"),
        (["a", "b"], [1, 2], "expected a header"),
    ],
)
def test_load_csv_explains_malformed_files(tmp_path, header, row, message):
    with pytest.raises(data.DataFormatError, match=message):
        data.load_csv(_csv(tmp_path / "bad.csv", header, [row]))


def test_load_csv_refuses_empty_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(data.DataFormatError, match="no rows"):
        data.load_csv(tmp_path / "empty.csv")


def _mnist_csv(path, digits, labelled=True):
    header = (["label"] if labelled else []) + [f"pixel{i}" for i in range(784)]
    rows = [
        ([int(label)] if labelled else []) + image.ravel().tolist()
        for image, label in zip(digits.images, digits.labels)
    ]
    return _csv(path, header, rows)


def test_load_mnist_from_csv_holds_out_a_tenth_for_testing(tmp_path, mnist_test):
    digits = data.Digits(mnist_test.images[:50], mnist_test.labels[:50])
    mnist = data.load_mnist(_mnist_csv(tmp_path / "train.csv", digits))
    assert (len(mnist.train), len(mnist.test)) == (45, 5)
    together = np.concatenate([mnist.train.images, mnist.test.images])
    assert sorted(map(bytes, together)) == sorted(map(bytes, digits.images))


def test_load_mnist_from_csv_with_a_test_csv(tmp_path, mnist_test):
    train = data.Digits(mnist_test.images[:30], mnist_test.labels[:30])
    test = data.Digits(mnist_test.images[30:40], mnist_test.labels[30:40])
    mnist = data.load_mnist(
        _mnist_csv(tmp_path / "mnist_train.csv", train),
        _mnist_csv(tmp_path / "mnist_test.csv", test),
    )
    assert np.array_equal(mnist.test.images, test.images)
    assert np.array_equal(mnist.train.labels, train.labels)


def test_load_mnist_refuses_an_unlabelled_csv_for_training(tmp_path, mnist_test):
    digits = data.Digits(mnist_test.images[:5], mnist_test.labels[:5])
    path = _mnist_csv(tmp_path / "test.csv", digits, labelled=False)
    with pytest.raises(data.DataFormatError, match="has no label column"):
        data.load_mnist(path)
