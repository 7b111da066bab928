"""Data larger than memory: a fitted model predicts a memory-mapped array in chunks, and the
autoencoder models fit one batch by batch, in a process whose memory limit is below the size
of the data."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skdeepcluster import DEC, SDCN, AEKMeans, TorchGaussianMixture

from .conftest import FAST

resource = pytest.importorskip("resource")  # POSIX

N_ROWS, N_FEATURES = 150_000, 128
HEADROOM = 48 * 2**20  # bytes the limited process may allocate beyond what it holds

# Run in a fresh interpreter: open the memory-mapped rows read-only, limit the private memory
# (RLIMIT_DATA, which does not count the file's pages), show that a full copy of the rows no
# longer fits, then run the test's calls.
LIMIT = textwrap.dedent("""
    import pickle, resource, sys
    import numpy as np

    folder, dtype = sys.argv[1], sys.argv[2]
    X = np.memmap(f"{folder}/X-{dtype}.dat", dtype=dtype, mode="r", shape=(%d, %d))

    def limit_memory():
        for line in open("/proc/self/status"):
            if line.startswith("VmData:"):
                limit = int(line.split()[1]) * 1024 + %d
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))  # the soft limit only
        try:
            np.array(X)
        except MemoryError:
            pass
        else:
            sys.exit("a full copy of the rows fitted under the limit: the test proves nothing")
        return hard
""" % (N_ROWS, N_FEATURES, HEADROOM))

# Load the fitted models, make whatever a first call builds (caches, the allocator's arenas of
# torch's threads) before the limit, then predict every row under it.
PREDICT = LIMIT + textwrap.dedent("""
    models = pickle.load(open(f"{folder}/models.pkl", "rb"))
    for model in models.values():
        model.predict(X[:20000])
    hard = limit_memory()
    out = {}
    for name, model in models.items():
        out[name] = {"predict": model.predict(X)}
        if name == "AEKMeans":
            out[name]["transform"] = model.transform(X)
            out[name]["predict_proba"] = model.predict_proba(X)
            out[name]["score"] = model.score(X)
        if name == "TorchGaussianMixture":
            out[name]["score_samples"] = model.score_samples(X)
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))  # room to write the results
    pickle.dump(out, open(f"{folder}/out-{dtype}.pkl", "wb"))
""")

# Fit each model once on a slice first (the same caches and arenas), then on every row under
# the limit.
FIT = LIMIT + textwrap.dedent("""
    import warnings
    warnings.simplefilter("ignore")  # the mixture's few EM iterations do not converge
    models = pickle.load(open(f"{folder}/unfitted.pkl", "rb"))
    for model in models.values():
        model.fit(X[:20000])
    hard = limit_memory()
    out = {name: model.fit_predict(X) for name, model in models.items()}
    resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
    pickle.dump(out, open(f"{folder}/fit-{dtype}.pkl", "wb"))
""")


def _run_limited(script, folder, dtype):
    # glibc raises its mmap threshold as large blocks are freed, and then keeps freed heap
    # memory mapped: a fixed threshold makes the limit measure what is alive, not what the
    # allocator has not returned yet
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    run = subprocess.run([sys.executable, "-c", script, str(folder), dtype],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def memmapped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("memmap")
    rng = np.random.RandomState(0)
    arrays = {}
    for dtype in ("float32", "float64"):
        X = np.memmap(folder / f"X-{dtype}.dat", dtype=dtype, mode="w+",
                      shape=(N_ROWS, N_FEATURES))
        for start in range(0, N_ROWS, 50_000):
            X[start : start + 50_000] = rng.rand(min(50_000, N_ROWS - start), N_FEATURES)
        X.flush()
        arrays[dtype] = np.memmap(X.filename, dtype=dtype, mode="r", shape=X.shape)
    sample = np.asarray(arrays["float32"][:400])
    models = {
        "AEKMeans": AEKMeans(3, random_state=0, **FAST).fit(sample),
        "SDCN": SDCN(3, random_state=0, max_epochs=2, **FAST).fit(sample),
        "TorchGaussianMixture": TorchGaussianMixture(3, covariance_type="diag",
                                                     random_state=0).fit(sample),
    }
    with open(folder / "models.pkl", "wb") as f:
        pickle.dump(models, f)
    return folder, arrays, models


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_a_memory_mapped_array_larger_than_the_memory_limit(memmapped, dtype):
    folder, arrays, models = memmapped
    _run_limited(PREDICT, folder, dtype)
    with open(folder / f"out-{dtype}.pkl", "rb") as f:
        out = pickle.load(f)
    X = arrays[dtype]  # the same calls without a limit give the same results
    for name, model in models.items():
        assert_array_equal(out[name]["predict"], model.predict(X))
    assert_allclose(out["AEKMeans"]["transform"], models["AEKMeans"].transform(X))
    assert_allclose(out["AEKMeans"]["predict_proba"], models["AEKMeans"].predict_proba(X))
    assert out["AEKMeans"]["score"] == models["AEKMeans"].score(X)
    assert_allclose(out["TorchGaussianMixture"]["score_samples"],
                    models["TorchGaussianMixture"].score_samples(X))
    assert out["AEKMeans"]["transform"].dtype == np.dtype(dtype)


def test_fit_takes_a_memory_mapped_array(memmapped):
    _, arrays, _ = memmapped
    X = arrays["float64"][:300]
    from_memmap = AEKMeans(3, random_state=0, **FAST).fit(X)
    from_array = AEKMeans(3, random_state=0, **FAST).fit(np.array(X))
    assert_array_equal(from_memmap.labels_, from_array.labels_)


#: Models that fit float32 rows without copying them: the autoencoder models stream their
#: batches from the rows (settings small enough for one epoch over 150,000 rows), the
#: mixture its blocks (from k-means++ seeds: the default start runs scikit-learn's KMeans,
#: which copies the rows).
OUT_OF_CORE = {
    "TorchGaussianMixture": TorchGaussianMixture(
        3, covariance_type="diag", init_params="k-means++", max_iter=5, random_state=0,
    ),
    "AEKMeans": AEKMeans(3, random_state=0, **{**FAST, "pretrain_epochs": 1,
                                               "batch_size": 1024}),
    "DEC": DEC(3, random_state=0, max_epochs=1, update_interval=1,
               **{**FAST, "pretrain_epochs": 1, "batch_size": 1024}),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_a_memory_mapped_array_larger_than_the_memory_limit(memmapped):
    folder, arrays, _ = memmapped
    with open(folder / "unfitted.pkl", "wb") as f:
        pickle.dump(OUT_OF_CORE, f)
    _run_limited(FIT, folder, "float32")
    with open(folder / "fit-float32.pkl", "rb") as f:
        labels = pickle.load(f)
    for name, model in OUT_OF_CORE.items():  # the same fit without a limit, in memory
        assert_array_equal(labels[name], clone(model).fit_predict(np.array(arrays["float32"])))
