"""Loaders (on generated files) and synthetic generators."""

import hashlib

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdeepcluster import datasets
from skdeepcluster.datasets import (
    build_benchmark,
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


def _write_idx(path, array):
    import gzip
    import struct

    header = struct.pack(">BBBB", 0, 0, 8, array.ndim)
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    with (gzip.open if path.suffix == ".gz" else open)(path, "wb") as f:
        f.write(header + array.tobytes())


def _expect(monkeypatch, name, X, y):
    """Register the arrays ``X``, ``y`` as the content of benchmark ``name``."""
    digest = datasets._content_sha256(X, np.asarray(y, dtype=np.int64))
    monkeypatch.setitem(datasets._CONTENT_SHA256, name, digest)


@pytest.mark.parametrize("gz", [".gz", ""])
def test_build_from_idx_files(tmp_path, monkeypatch, gz):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (7, 28, 28), dtype=np.uint8)
    y = np.arange(7, dtype=np.uint8) % 10
    source = tmp_path / "release"
    source.mkdir()
    for split, rows in (("train", slice(0, 5)), ("t10k", slice(5, None))):
        _write_idx(source / f"{split}-images-idx3-ubyte{gz}", X[rows])
        _write_idx(source / f"{split}-labels-idx1-ubyte{gz}", y[rows])
    _expect(monkeypatch, "fashion_mnist", X, y)
    path = build_benchmark("fashion_mnist", source, data_home=tmp_path / "data")
    assert path.name == "fashion_mnist.npz"
    # its bytes are not the distributed file's, its arrays are: it loads
    X_loaded, y_loaded = load_benchmark("fashion_mnist", data_home=tmp_path / "data")
    assert_array_equal(X_loaded, X.reshape(7, -1) / np.float32(255))
    assert_array_equal(y_loaded, y)


def test_build_refuses_other_data_and_writes_nothing(tmp_path):
    source = tmp_path / "release"
    source.mkdir()
    for split in ("train", "t10k"):
        _write_idx(source / f"{split}-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
        _write_idx(source / f"{split}-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="not those of the 'mnist' benchmark"):
        build_benchmark("mnist", source, data_home=tmp_path / "data")
    assert not (tmp_path / "data" / "mnist.npz").exists()
    with pytest.raises(FileNotFoundError, match="neither train-images-idx3-ubyte nor"):
        build_benchmark("mnist", tmp_path, data_home=tmp_path / "data")


def test_build_two_views_from_mat(tmp_path, monkeypatch):
    from scipy.io import savemat

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (4, 2, 28, 28), dtype=np.uint8)
    y = np.array([0, 1, 2, 1])
    # MATLAB's column-major rows, scaled as the public file is
    columns = [X[:, v].transpose(0, 2, 1).reshape(4, -1) for v in (0, 1)]
    savemat(tmp_path / "MNIST_USPS.mat",
            {"X1": columns[0] / 256.0, "X2": columns[1] / 255.0, "Y": y[None, :]})
    _expect(monkeypatch, "mnist_usps", X, y)
    build_benchmark("mnist_usps", tmp_path / "MNIST_USPS.mat", data_home=tmp_path)
    images, labels = load_benchmark("mnist_usps", data_home=tmp_path, flatten=False)
    assert_array_equal(images, X / np.float32(255))
    assert_array_equal(labels, y)


def test_build_usps_from_h5(tmp_path, monkeypatch):
    h5py = pytest.importorskip("h5py")
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (5, 16, 16), dtype=np.uint8)
    y = np.array([3, 1, 4, 1, 5])
    with h5py.File(tmp_path / "usps.h5", "w") as f:
        for split, rows in (("train", slice(0, 3)), ("test", slice(3, None))):
            group = f.create_group(split)
            group["data"] = X[rows].reshape(-1, 256) / 255.0
            group["target"] = y[rows].astype(np.int32)
    _expect(monkeypatch, "usps", X, y)
    build_benchmark("usps", tmp_path / "usps.h5", data_home=tmp_path)
    assert_array_equal(load_benchmark("usps", data_home=tmp_path)[1], y)


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
