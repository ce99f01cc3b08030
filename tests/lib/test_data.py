"""gradlib.data: the digits, the stratified three-way split, the toy sets and one_hot."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits

from gradlib import data

FRACTIONS = np.array([0.7, 0.15, 0.15])
PARTS = ("train", "val", "test")


# ---------------------------------------------------------------------- digits
def test_digits_shapes_range_and_labels():
    X, y = data.load_digits()
    reference = sklearn_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, reference.data)  # scaled, not reordered
    np.testing.assert_array_equal(y, reference.target)
    assert set(y) == set(range(10))


def test_digits_float32_and_fresh_copies():
    X32, _ = data.load_digits(dtype=np.float32)
    assert X32.dtype == np.float32
    X, y = data.load_digits()
    X[0] = -1.0  # the caller's copy, not the cache
    y[0] = 99
    X2, y2 = data.load_digits()
    assert X2.min() == 0.0 and y2.max() == 9


def test_digits_samples_per_class_counts_and_seed():
    X, y = data.load_digits(samples_per_class=30, seed=1)
    assert X.shape == (300, 64)
    np.testing.assert_array_equal(np.bincount(y), [30] * 10)
    # every kept image is an image of the full set with the same label
    X_all, y_all = data.load_digits()
    rows = {(tuple(row), label) for row, label in zip(X_all, y_all, strict=True)}
    assert all((tuple(row), label) in rows for row, label in zip(X, y, strict=True))
    again, _ = data.load_digits(samples_per_class=30, seed=1)
    other, _ = data.load_digits(samples_per_class=30, seed=2)
    np.testing.assert_array_equal(X, again)
    assert not np.array_equal(X, other)
    _, y174 = data.load_digits(samples_per_class=174, seed=0)  # the smallest class, whole
    np.testing.assert_array_equal(np.bincount(y174), [174] * 10)


def test_digits_subsample_draws_without_replacement():
    X_all, y_all = data.load_digits()
    X, y = data.load_digits(samples_per_class=174, seed=3)
    # digit 8 has exactly 174 images: all of them must be kept, none twice
    key = lambda a: a[np.lexsort(a.T)]  # noqa: E731
    np.testing.assert_array_equal(key(X[y == 8]), key(X_all[y_all == 8]))


@pytest.mark.parametrize("k, match", [(175, "at most 174.*got 175"), (0, "positive.*got 0")])
def test_digits_bad_samples_per_class(k, match):
    with pytest.raises(ValueError, match=match):
        data.load_digits(samples_per_class=k)


# ----------------------------------------------------------------------- split
def _check_partition(split, n):
    ids = np.concatenate([getattr(split, f"X_{p}")[:, 0] for p in PARTS])
    np.testing.assert_array_equal(np.sort(ids), np.arange(n))  # each row in exactly one part
    for p in PARTS:
        Xp, yp = getattr(split, f"X_{p}"), getattr(split, f"y_{p}")
        np.testing.assert_array_equal(yp, Xp[:, 1])  # rows and labels stay together


def test_split_stratified_proportions_per_class():
    _, y = data.load_digits()
    n = len(y)
    X = np.column_stack([np.arange(n), y])  # column 0 identifies the row, column 1 its label
    split = data.train_val_test_split(X, y, seed=0)
    _check_partition(split, n)
    for c in range(10):
        n_c = np.sum(y == c)
        counts = np.array([np.sum(getattr(split, f"y_{p}") == c) for p in PARTS])
        assert np.all(np.abs(counts - FRACTIONS * n_c) < 1), (c, counts, FRACTIONS * n_c)
    sizes = np.array([len(getattr(split, f"y_{p}")) for p in PARTS])
    assert np.all(np.abs(sizes - FRACTIONS * n) <= 1), sizes
    assert not np.all(np.diff(split.y_train) >= 0)  # parts are shuffled, not sorted by class


def test_split_balanced_classes_give_exact_parts():
    _, y = data.load_digits(samples_per_class=50, seed=0)
    X = np.column_stack([np.arange(len(y)), y])
    split = data.train_val_test_split(X, y, seed=0)
    for p, expected in zip(PARTS, (350, 75, 75), strict=True):  # ties don't all go to val
        assert len(getattr(split, f"y_{p}")) == expected


def test_split_reproducible_and_seed_dependent():
    _, y = data.load_digits(samples_per_class=20, seed=0)
    X = np.column_stack([np.arange(len(y)), y])
    a = data.train_val_test_split(X, y, seed=5)
    b = data.train_val_test_split(X, y, seed=5)
    c = data.train_val_test_split(X, y, seed=6)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_train, c.X_train)


def test_split_without_stratification_and_empty_validation():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.arange(101), rng.integers(0, 3, 101)])
    y = X[:, 1].astype(float)  # regression-like targets: stratify=False
    split = data.train_val_test_split(X, y, (0.8, 0.0, 0.2), seed=0, stratify=False)
    _check_partition(split, 101)
    assert (len(split.y_train), len(split.y_val), len(split.y_test)) == (81, 0, 20)
    assert split.X_val.shape == (0, 2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"fractions": (0.7, 0.2, 0.2)}, ValueError, r"sum to 1, got \(0.7, 0.2, 0.2\)"),
        ({"fractions": (0.5, 0.5)}, ValueError, "three numbers"),
        ({"fractions": (1.2, -0.1, -0.1)}, ValueError, "≥ 0"),
        ({"fractions": (0.0, 0.5, 0.5)}, ValueError, "positive training share"),
    ],
)
def test_split_bad_fractions(kwargs, error, match):
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(error, match=match):
        data.train_val_test_split(X, y, **kwargs)


def test_split_bad_inputs():
    with pytest.raises(ValueError, match=r"same number of rows \(samples\), got 10 and 9"):
        data.train_val_test_split(np.zeros((10, 2)), np.zeros(9, dtype=int))
    with pytest.raises(ValueError, match="stratify=False"):
        data.train_val_test_split(np.zeros((10, 2)), np.linspace(0, 1, 10))


# -------------------------------------------------------------------- toy sets
TOYS = [data.xor, data.moons, data.two_spirals]


@pytest.mark.parametrize("make", TOYS)
def test_toy_shapes_labels_and_seeds(make):
    X, y = make(101, noise=0.1, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == 2 and abs(counts[0] - counts[1]) <= 1
    X2, y2 = make(101, noise=0.1, seed=0)
    X3, _ = make(101, noise=0.1, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("make", TOYS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n": 0}, ValueError, "positive integer, got 0"),
        ({"n": -5}, ValueError, "positive integer, got -5"),
        ({"n": 2.5}, TypeError, "positive integer"),
        ({"n": 10, "noise": -0.1}, ValueError, r"noise must be in \[0.0, inf\), got -0.1"),
    ],
)
def test_toy_bad_arguments(make, kwargs, error, match):
    with pytest.raises(error, match=match):
        make(**kwargs)


def test_xor_without_noise_is_the_truth_table():
    X, y = data.xor(4, noise=0.0, seed=0)
    rows = sorted(zip(map(tuple, X), y, strict=True))
    assert rows == [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]
    X, y = data.xor(400, noise=0.05, seed=0)
    corner = np.round(X).astype(int)
    np.testing.assert_array_equal(y, corner[:, 0] ^ corner[:, 1])


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.moons(51, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_spirals_without_noise_are_point_reflections_of_each_other():
    X, y = data.two_spirals(100, noise=0.0, seed=0)
    arm0, arm1 = X[y == 0], X[y == 1]
    assert np.hypot(*X.T).max() == pytest.approx(1.0)
    key = lambda a: a[np.lexsort(a.T)]  # noqa: E731
    np.testing.assert_allclose(key(arm0), key(-arm1), atol=1e-12)


# --------------------------------------------------------------------- one-hot
def test_one_hot():
    out = data.one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert out.dtype == np.float64
    assert data.one_hot([0, 1], num_classes=5).shape == (2, 5)
    np.testing.assert_array_equal(data.one_hot([1, 0], 2).argmax(axis=1), [1, 0])


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"0\.\.2 for num_classes=3, got 3"):
        data.one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="integer labels"):
        data.one_hot([0.0, 1.0])
