"""Loaders (on generated files) and synthetic generators."""

import hashlib

import numpy as np
import pytest

from skdeepcluster import datasets
from skdeepcluster.datasets import (
    load_benchmark,
    make_multiview,
    make_pinwheel,
    make_toroidal_blobs,
)


def test_digits_needs_no_file():
    X, y = load_benchmark("digits")
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0 and set(y) == set(range(10))
    bunch = load_benchmark("digits", return_X_y=False, flatten=False)
    assert bunch.data.shape == (1797, 8, 8) and bunch.image_shape == (1, 8, 8)


@pytest.fixture
def fake_benchmark(tmp_path, monkeypatch):
    """A small two-view file registered under the name mnist_usps, with its real checksum."""
    rng = np.random.RandomState(0)
    path = tmp_path / "mnist_usps.npz"
    np.savez_compressed(path, X=rng.randint(0, 256, (6, 2, 4, 4), dtype=np.uint8),
                        y=np.arange(6) % 3)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(datasets.BENCHMARKS, "mnist_usps", ("mnist_usps.npz", checksum))
    return tmp_path


def test_load_from_data_home(fake_benchmark):
    X, y = load_benchmark("mnist_usps", data_home=fake_benchmark)
    assert X.shape == (6, 32) and X.dtype == np.float32 and 0 <= X.min() and X.max() <= 1
    bunch = load_benchmark("mnist_usps", data_home=fake_benchmark, return_X_y=False)
    assert bunch.views == [16, 16] and bunch.image_shape == (1, 4, 4)
    images = load_benchmark("mnist_usps", data_home=fake_benchmark, flatten=False)[0]
    assert images.shape == (6, 2, 4, 4)


def test_data_home_from_environment(fake_benchmark, monkeypatch):
    monkeypatch.setenv("SKDEEPCLUSTER_DATA", str(fake_benchmark))
    assert load_benchmark("mnist_usps")[0].shape == (6, 32)


def test_missing_file_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"mnist.npz in {tmp_path}.*sha256 2acf1007"):
        load_benchmark("mnist", data_home=tmp_path)


def test_checksum_mismatch(fake_benchmark, monkeypatch):
    monkeypatch.setitem(datasets.BENCHMARKS, "mnist_usps", ("mnist_usps.npz", "0" * 64))
    with pytest.raises(ValueError, match="sha256"):
        load_benchmark("mnist_usps", data_home=fake_benchmark)


def test_unknown_name():
    with pytest.raises(ValueError, match="name='cifar' is not a benchmark"):
        load_benchmark("cifar")


def test_make_multiview():
    X, views = make_multiview(np.zeros((4, 2)), np.ones((4, 3)))
    assert X.shape == (4, 5) and views == [2, 3]
    with pytest.raises(ValueError, match="same number of samples"):
        make_multiview(np.zeros((4, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        make_multiview(np.zeros(4))


def test_pinwheel():
    X, y = make_pinwheel(1000, 5, random_state=0)
    assert X.shape == (1000, 2) and np.bincount(y).tolist() == [200] * 5
    first, second = make_pinwheel(50, random_state=1)[0], make_pinwheel(50, random_state=1)[0]
    assert np.array_equal(first, second)
    # each arm is a rotated copy: the mean angle of arm k is 2 pi k / 5 apart from arm 0's
    angles = [np.angle(np.mean(np.exp(1j * np.arctan2(*X[y == k][:, ::-1].T)))) for k in range(5)]
    steps = np.mod(np.diff(angles), 2 * np.pi)
    np.testing.assert_allclose(steps, 2 * np.pi / 5, atol=0.1)


def test_toroidal_blobs_wrap_around():
    X, y = make_toroidal_blobs(1000, 4, random_state=0)
    assert X.shape == (1000, 2) and X.min() >= 0 and X.max() < 1
    # blobs sit on an edge: each is split between both ends of one coordinate
    for k in range(4):
        Xk = X[y == k]
        assert any((Xk[:, j] < 0.2).any() and (Xk[:, j] > 0.8).any() for j in range(2))
    X, y = make_toroidal_blobs(10, 2, n_features=3, centers=[[0.5] * 3, [1.25] * 3], random_state=0)
    assert X.shape == (10, 3)
    with pytest.raises(ValueError, match="centers must have shape"):
        make_toroidal_blobs(10, 2, centers=[[0.5, 0.5]])
