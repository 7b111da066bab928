"""Inference on data larger than memory: a fitted model predicts a memory-mapped array in
chunks, in a process whose memory limit is below the size of the data."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skdeepcluster import SDCN, AEKMeans, TorchGaussianMixture

from .conftest import FAST

resource = pytest.importorskip("resource")  # POSIX

N_ROWS, N_FEATURES = 150_000, 128
HEADROOM = 48 * 2**20  # bytes the limited process may allocate beyond what it holds

# Run in a fresh interpreter: load the models, open the memory-mapped rows read-only, limit
# the private memory (RLIMIT_DATA, which does not count the file's pages), show that a full
# copy of the rows no longer fits, then predict every row.
CHILD = textwrap.dedent("""
    import pickle, resource, sys
    import numpy as np

    folder, dtype = sys.argv[1], sys.argv[2]
    models = pickle.load(open(f"{folder}/models.pkl", "rb"))
    X = np.memmap(f"{folder}/X-{dtype}.dat", dtype=dtype, mode="r", shape=(%d, %d))
    for model in models.values():  # whatever a first call builds (caches, the allocator's
        model.predict(X[:20000])       # arenas of torch's threads), built before the limit
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
""" % (N_ROWS, N_FEATURES, HEADROOM))


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
    # glibc raises its mmap threshold as large blocks are freed, and then keeps freed heap
    # memory mapped: a fixed threshold makes the limit measure what is alive, not what the
    # allocator has not returned yet
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    run = subprocess.run([sys.executable, "-c", CHILD, str(folder), dtype],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
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
