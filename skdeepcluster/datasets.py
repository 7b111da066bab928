"""Benchmark loaders (checksummed local ``.npz`` files) and synthetic generators."""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "BENCHMARKS",
    "SOURCES",
    "build_benchmark",
    "get_data_home",
    "load_benchmark",
    "make_multiview",
    "make_pinwheel",
    "make_toroidal_blobs",
]

#: Benchmark files: name -> (file name, sha256). ``digits`` ships with scikit-learn.
BENCHMARKS = {
    "mnist": ("mnist.npz", "2acf10072be4634c7c65c3a80a68e8eee5a8a2d7332688356c3c53fd66f403cc"),
    "fashion_mnist": (
        "fashion_mnist.npz", "009978fe69b7395f38e850287eb6ba818881b197bb1d1e89b6c2758cc735ef97",
    ),
    "usps": ("usps.npz", "32e98b5694c76011b586199114f92cb6148a125a4c4299691c086ae12f1046a3"),
    "mnist_usps": (
        "mnist_usps.npz", "0499adb67dcbd368f4dd9f937edaecca4dacd7135853d3e784ab19e76b9f31cc",
    ),
}

#: sha256 of the arrays of each benchmark (``X`` bytes, then ``y`` as int64 bytes): a file
#: rebuilt from the public release by :func:`build_benchmark` holds these arrays, though
#: its compressed bytes may differ from the distributed file's.
_CONTENT_SHA256 = {
    "mnist": "b3fe36794a3a345d09632e9d79f122d61ca91a07e5a22f8536973655bacf2a78",
    "fashion_mnist": "75979490032625d6583ff7101de6f9243d07d0a8d33d3c9b3b7e79b4c59382af",
    "usps": "b19b3af1bc2d395f21b12451f7e72db536e682904bbd6d2a4f9848d1c6ded7b3",
    "mnist_usps": "bebd5aca1865d67ddeab3885c3c3a36cc7d25b388d34f08a1538a398c30c8972",
}

#: Where each benchmark's public release is, what :func:`build_benchmark` reads from it.
SOURCES = {
    "mnist": "the four IDX files of Y. LeCun's MNIST page (train-images-idx3-ubyte, "
             "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
             "gzipped or not) in one folder",
    "fashion_mnist": "the four IDX files of github.com/zalandoresearch/fashion-mnist "
                     "(data/fashion/, same names as MNIST's) in one folder",
    "usps": "usps.h5, the common Kaggle layout of USPS (groups train and test, each with "
            "data, 256 grey levels in [0, 1], and target); reading it needs h5py",
    "mnist_usps": "MNIST_USPS.mat, the two-view set of multi-view clustering papers "
                  "(variables X1, X2: 5000 x 784 in [0, 1], Y: labels)",
}

_FILE_FORMAT = (
    "an np.savez_compressed archive with keys 'X' (uint8 images, N x H x W, or N x V x H x W "
    "for V views) and 'y' (int64 labels)"
)


def get_data_home(data_home=None):
    """Folder of the benchmark files: ``data_home``, else ``$SKDEEPCLUSTER_DATA``, else
    ``~/skdeepcluster_data``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use; None looks it up as above.

    Returns
    -------
    pathlib.Path
        The folder, with ``~`` expanded. It need not exist.

    Examples
    --------
    >>> from skdeepcluster.datasets import get_data_home
    >>> get_data_home("data").name
    'data'
    """
    if data_home is None:
        data_home = os.environ.get("SKDEEPCLUSTER_DATA", Path("~") / "skdeepcluster_data")
    return Path(data_home).expanduser()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_npz(name, data_home):
    file_name, checksum = BENCHMARKS[name]
    folder = get_data_home(data_home)
    path = folder / file_name
    if not path.is_file():
        raise FileNotFoundError(
            f"benchmark {name!r} needs the file {file_name} in {folder}, which does not exist. "
            f"Place {file_name} ({_FILE_FORMAT}; sha256 {checksum}) in that folder, or pass "
            "data_home= (or set SKDEEPCLUSTER_DATA) to the folder that holds it. To build it "
            f"from the public release ({SOURCES[name]}), use "
            f"skdeepcluster.datasets.build_benchmark({name!r}, source)."
        )
    found = _sha256(path)
    with np.load(path) as archive:
        X, y = archive["X"], archive["y"].astype(np.int64)
    if found != checksum and _content_sha256(X, y) != _CONTENT_SHA256[name]:
        raise ValueError(
            f"{path} has sha256 {found}, expected {checksum} (or the arrays of a file built "
            f"by build_benchmark): the file is corrupt or not the {name!r} benchmark; "
            "replace it"
        )
    return X, y


def _content_sha256(X, y):
    digest = hashlib.sha256(np.ascontiguousarray(X).tobytes())
    digest.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _read_idx(path):
    """An IDX file (MNIST's format; gzipped when its name ends in .gz) as an array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, n_dims = data[0] * 256 + data[1], data[2], data[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def _find(folder, stem):
    for candidate in (folder / stem, folder / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{folder} holds neither {stem} nor {stem}.gz")


def _from_idx(folder):
    folder = Path(folder)
    parts = [
        (_read_idx(_find(folder, f"{split}-images-idx3-ubyte")),
         _read_idx(_find(folder, f"{split}-labels-idx1-ubyte")))
        for split in ("train", "t10k")
    ]
    return np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])


def _from_usps_h5(path):
    try:
        import h5py
    except ImportError:
        raise ImportError("building usps from usps.h5 needs h5py: pip install h5py") from None
    with h5py.File(path, "r") as f:
        parts = [(f[split]["data"][:], f[split]["target"][:]) for split in ("train", "test")]
    X = np.concatenate([X for X, _ in parts])
    images = np.round(255 * X.reshape(len(X), 16, 16)).astype(np.uint8)
    return images, np.concatenate([y for _, y in parts])


def _from_mnist_usps_mat(path):
    from scipy.io import loadmat

    mat = loadmat(path)
    # MATLAB stores the 28 x 28 images column-major: each row is a transposed image
    views = [np.round(mat[key] * scale).astype(np.uint8).reshape(-1, 28, 28).transpose(0, 2, 1)
             for key, scale in (("X1", 256), ("X2", 255))]
    return np.stack(views, axis=1), np.asarray(mat["Y"]).ravel()


_BUILDERS = {
    "mnist": _from_idx, "fashion_mnist": _from_idx, "usps": _from_usps_h5,
    "mnist_usps": _from_mnist_usps_mat,
}


def build_benchmark(name, source, data_home=None):
    """Build a benchmark's ``.npz`` file from its public release, for :func:`load_benchmark`.

    Nothing is downloaded: ``source`` is what you obtained from the public release (see
    :data:`SOURCES`). The arrays are checked against the ones this package's results were
    measured on before the file is written.

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "usps", "mnist_usps"}
    source : str or path-like
        A folder of the four IDX files (MNIST, Fashion-MNIST), ``usps.h5`` (USPS) or
        ``MNIST_USPS.mat`` (MNIST-USPS).
    data_home : str or path-like, default=None
        Where to write ``<name>.npz``; see :func:`get_data_home`.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        ``source`` does not hold the release's arrays (nothing is written).

    Examples
    --------
    With the four MNIST IDX files downloaded by hand into ``mnist-release/``::

        from skdeepcluster.datasets import build_benchmark, load_benchmark

        build_benchmark("mnist", "mnist-release", data_home="data")   # writes data/mnist.npz
        X, y = load_benchmark("mnist", data_home="data")              # 70,000 x 784
    """
    if name not in _BUILDERS:
        raise ValueError(f"name={name!r} cannot be built; choose one of {sorted(_BUILDERS)}")
    X, y = _BUILDERS[name](source)
    X, y = np.ascontiguousarray(X, dtype=np.uint8), np.asarray(y, dtype=np.int64)
    found = _content_sha256(X, y)
    if found != _CONTENT_SHA256[name]:
        raise ValueError(
            f"{source} gives arrays X {X.shape}, y {y.shape} whose sha256 is {found}, not "
            f"those of the {name!r} benchmark ({_CONTENT_SHA256[name]}): it is not "
            f"{SOURCES[name]}"
        )
    folder = get_data_home(data_home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / BENCHMARKS[name][0]
    np.savez_compressed(path, X=X, y=y)
    return path


def load_benchmark(name, data_home=None, return_X_y=True, *, flatten=True):
    """Load a benchmark data set, images scaled to [0, 1].

    Parameters
    ----------
    name : {"digits", "mnist", "fashion_mnist", "usps", "mnist_usps"}
        ``digits`` is scikit-learn's 8x8 digits (1,797 samples, no file needed). The others
        are read from ``<data_home>/<name>.npz`` and their sha256 is checked: MNIST and
        Fashion-MNIST (70,000 28x28 images each, the training set first), USPS (9,298 16x16
        images) and the two-view MNIST-USPS set (5,000 pairs of 28x28 images).
    data_home : str or path-like, default=None
        Folder holding the files; see :func:`get_data_home`.
    return_X_y : bool, default=True
        Return ``(X, y)``; otherwise a :class:`~sklearn.utils.Bunch`.
    flatten : bool, default=True
        Flatten each sample to a row of ``X`` (views side by side, as consecutive column
        blocks); with False, ``X`` keeps the image axes: (n_samples, H, W), or
        (n_samples, n_views, H, W) for ``mnist_usps``.

    Returns
    -------
    (X, y) : tuple of ndarray
        ``X`` float32 in [0, 1]; ``y`` int64 classes.
    data : Bunch
        With ``return_X_y=False``: ``data``, ``target``, ``image_shape`` (C, H, W) of one
        view, ``views`` (the column widths of the views of a flattened ``X``) and
        ``name``.

    Raises
    ------
    FileNotFoundError
        The file is not in the data folder; the message says which file goes where.
    ValueError
        Unknown ``name``, or a file whose checksum does not match.

    Examples
    --------
    >>> from skdeepcluster.datasets import load_benchmark
    >>> X, y = load_benchmark("digits")
    >>> X.shape, float(X.max())
    ((1797, 64), 1.0)
    """
    if name == "digits":
        digits = load_digits()
        images, y = digits.images.astype(np.float32) / 16.0, digits.target.astype(np.int64)
    elif name in BENCHMARKS:
        raw, y = _read_npz(name, data_home)
        images = raw.astype(np.float32) / 255.0
    else:
        raise ValueError(
            f"name={name!r} is not a benchmark; choose one of {['digits', *BENCHMARKS]}"
        )
    n_views = images.shape[1] if images.ndim == 4 else 1
    height, width = images.shape[-2:]
    X = images.reshape(len(images), -1) if flatten else images
    if return_X_y:
        return X, y
    return Bunch(
        data=X, target=y, name=name, image_shape=(1, height, width),
        views=[height * width] * n_views,
    )


def make_multiview(*arrays):
    """Put views side by side: ``X`` for a multiview model and the width of each view.

    Parameters
    ----------
    *arrays : array-like of shape (n_samples, n_features_v)
        One 2-D array per view, all with the same number of rows.

    Returns
    -------
    X : ndarray of shape (n_samples, sum of n_features_v)
    views : list of int
        ``n_features_v`` of each view, in order.

    Examples
    --------
    >>> import numpy as np
    >>> X, views = make_multiview(np.zeros((3, 2)), np.ones((3, 4)))
    >>> X.shape, views
    ((3, 6), [2, 4])
    """
    if not arrays:
        raise ValueError("make_multiview needs at least one view")
    arrays = [np.asarray(a) for a in arrays]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(f"view {i} must be 2-D (n_samples, n_features), got shape {a.shape}")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"all views must have the same number of samples, got {lengths}")
    return np.hstack(arrays), [a.shape[1] for a in arrays]


def make_pinwheel(
    n_samples=1000, n_clusters=5, *, radial_std=0.3, tangential_std=0.05, rate=0.25,
    random_state=None,
):
    """Pinwheel: points on ``n_clusters`` curved arms (Johnson et al., 2016).

    Each point starts at radius ``1 + radial_std * e_1`` and tangential offset
    ``tangential_std * e_2`` (standard normal ``e``), and is rotated by its arm's angle plus
    ``rate * exp(radius)``, so that arms bend more the further out they reach. The DMAE
    paper's settings are the defaults.

    Parameters
    ----------
    n_samples : int, default=1000
        Split as evenly as possible between arms.
    n_clusters : int, default=5
    radial_std, tangential_std, rate : float
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Arm of each point.

    Examples
    --------
    >>> from skdeepcluster.datasets import make_pinwheel
    >>> X, y = make_pinwheel(100, n_clusters=5, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1, 2, 3, 4])
    """
    rng = check_random_state(random_state)
    y = np.arange(n_samples) % n_clusters
    radius = 1.0 + radial_std * rng.standard_normal(n_samples)
    offset = tangential_std * rng.standard_normal(n_samples)
    angle = 2 * np.pi * y / n_clusters + rate * np.exp(radius)
    cos, sin = np.cos(angle), np.sin(angle)
    X = np.column_stack([radius * cos - offset * sin, radius * sin + offset * cos])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def _edge_centers(n_clusters, n_features, cluster_std, rng, n_candidates=100):
    """Centres within ``cluster_std`` of a box edge, spread out over the torus.

    Each centre is the candidate, among ``n_candidates`` random ones, farthest (in wrapped
    distance) from the centres drawn before it, so that blobs rarely overlap.
    """
    centers = np.empty((0, n_features))
    for _ in range(n_clusters):
        candidates = rng.uniform(0, 1, size=(n_candidates, n_features))
        edge = rng.randint(n_features, size=n_candidates)
        candidates[np.arange(n_candidates), edge] = rng.uniform(
            -cluster_std, cluster_std, n_candidates
        ) % 1.0
        if len(centers):
            diff = np.abs(candidates[:, None, :] - centers[None, :, :])
            wrapped = np.minimum(diff, 1.0 - diff)
            nearest = np.sqrt((wrapped**2).sum(axis=-1)).min(axis=1)
            candidates = candidates[[np.argmax(nearest)]]
        centers = np.vstack([centers, candidates[:1]])
    return centers


def make_toroidal_blobs(
    n_samples=1000, n_clusters=4, *, n_features=2, cluster_std=0.05, centers=None,
    random_state=None,
):
    """Gaussian blobs on the unit torus ``[0, 1)^n_features`` (coordinates wrap around).

    With ``centers=None`` the centres sit near the edges of the box, so every blob is cut
    by a boundary and reappears on the opposite side: euclidean methods see it as two
    groups, a periodic dissimilarity as one (the DMAE paper's toroidal data set).

    Parameters
    ----------
    n_samples : int, default=1000
    n_clusters : int, default=4
    n_features : int, default=2
    cluster_std : float, default=0.05
    centers : array-like of shape (n_clusters, n_features), default=None
        Centres in ``[0, 1)``; None draws them within ``cluster_std`` of a box edge and
        spread out (each the farthest of 100 random candidates from those before it).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Points in ``[0, 1)``.
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skdeepcluster.datasets import make_toroidal_blobs
    >>> X, y = make_toroidal_blobs(200, n_clusters=4, random_state=0)
    >>> X.shape, bool((X >= 0).all() and (X < 1).all())
    ((200, 2), True)
    """
    rng = check_random_state(random_state)
    if centers is None:
        centers = _edge_centers(n_clusters, n_features, cluster_std, rng)
    centers = np.asarray(centers, dtype=float) % 1.0
    if centers.shape != (n_clusters, n_features):
        raise ValueError(
            f"centers must have shape (n_clusters, n_features)=({n_clusters}, {n_features}), "
            f"got {centers.shape}"
        )
    y = np.arange(n_samples) % n_clusters
    X = (centers[y] + cluster_std * rng.standard_normal((n_samples, n_features))) % 1.0
    order = rng.permutation(n_samples)
    return X[order], y[order]
