"""Beyond one process, on existing engines: joblib's Dask backend and torch.distributed.

A ``GridSearchCV`` over a deep model runs on a Dask ``LocalCluster`` of two worker
processes and gives the serial search's results: the estimators pickle to the workers
(plain data, see ``_persist``), fit there with their own seeds and come back.

One fit trains data-parallel across two CPU processes (gloo), launched by torchrun: every
process ends with the same model, the one a single process trains on the same batches.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, KFold

from skdeepcluster import AEKMeans

from .conftest import FAST

distributed = pytest.importorskip("distributed")  # the test extra installs it

#: What each process of a data-parallel fit runs (see its docstring).
DATA_PARALLEL_SCRIPT = Path(__file__).with_name("data_parallel_fit.py")


@pytest.fixture(scope="module")
def dask_client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _search(X):
    search = GridSearchCV(
        AEKMeans(random_state=0, **FAST), {"n_clusters": [2, 3, 4]},
        cv=KFold(3, shuffle=True, random_state=0), n_jobs=2,
    )
    return search.fit(X)


def test_grid_search_on_a_dask_cluster_equals_the_serial_search(blobs, dask_client):
    X, _ = blobs
    with joblib.parallel_backend("sequential"):
        serial = _search(X)
    with distributed.get_task_stream(client=dask_client) as stream, \
            joblib.parallel_backend("dask"):
        on_dask = _search(X)
    # the fits ran as tasks on the cluster's worker processes
    workers = set(dask_client.scheduler_info()["workers"])
    assert len(workers) == 2 and len(stream.data) >= 9
    assert {task["worker"] for task in stream.data} <= workers
    assert on_dask.best_params_ == serial.best_params_
    assert_allclose(on_dask.cv_results_["mean_test_score"],
                    serial.cv_results_["mean_test_score"], rtol=1e-6)
    assert_array_equal(on_dask.best_estimator_.labels_, serial.best_estimator_.labels_)
    assert_array_equal(on_dask.predict(X), serial.predict(X))
    assert np.isfinite(on_dask.cv_results_["mean_test_score"]).all()


def _torchrun(folder, mode):
    # torchrun, as the user guide launches it: two processes on this machine, gloo on the CPU
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node", "2", str(DATA_PARALLEL_SCRIPT), str(folder), mode]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    return [pickle.loads((folder / f"rank-{rank}.pkl").read_bytes()) for rank in (0, 1)]


@pytest.fixture(scope="module")
def data_parallel_fits(tmp_path_factory):
    return _torchrun(tmp_path_factory.mktemp("data-parallel"), "fit")


def test_data_parallel_fit_gives_every_process_the_model_of_one_process(data_parallel_fits):
    from .data_parallel_fit import fitted, models, rows

    first, second = data_parallel_fits
    assert (first["shard"], second["shard"]) == ((0, 2), (1, 2))
    X = rows()
    for name, model in models().items():
        # the processes took the same steps: the same model to the last bit
        assert_array_equal(first[name]["code"], second[name]["code"], err_msg=name)
        assert first[name]["losses"] == second[name]["losses"], name
        alone = fitted(model.fit(X), X)  # one process on the same batches
        assert_array_equal(first[name]["labels"], alone["labels"], err_msg=name)
        if name == "VaDE":  # its sampled codes: each process draws its share's noise
            assert_allclose(first[name]["losses"], alone["losses"], rtol=1e-2)
            continue
        assert_allclose(first[name]["code"], alone["code"], rtol=1e-5, atol=1e-5, err_msg=name)
        assert_allclose(first[name]["losses"], alone["losses"], rtol=1e-5, err_msg=name)
    # no random_state: every process takes rank 0's seed
    assert_array_equal(first["seedless"]["code"], second["seedless"]["code"])
    # DVAE's loss is not a mean over rows: it trains whole in each process, and says so
    for out in (first, second):
        assert len(out["warnings"]) == 1
        assert "DVAE trains on all the rows in every process" in out["warnings"][0]


def test_data_parallel_fit_refuses_processes_with_other_rows(tmp_path):
    for out in _torchrun(tmp_path, "mismatch"):
        assert out["error"] == (
            "data_parallel: process 1 fits other rows or parameters than process 0 (shape "
            "(89, 5) against (90, 5)); every process must fit the same estimator, with the "
            "same parameters, on the same rows"
        )


def test_data_parallel_needs_a_process_group():
    from skdeepcluster.training import data_parallel

    with pytest.raises(RuntimeError, match="init_process_group"):
        with data_parallel():
            pass
