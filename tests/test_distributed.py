"""Hyperparameter search across processes on an existing engine: joblib's Dask backend.

A ``GridSearchCV`` over a deep model runs on a Dask ``LocalCluster`` of two worker
processes and gives the serial search's results: the estimators pickle to the workers
(plain data, see ``_persist``), fit there with their own seeds and come back.
"""

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, KFold

from skdeepcluster import AEKMeans

from .conftest import FAST

distributed = pytest.importorskip("distributed")  # the test extra installs it


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
