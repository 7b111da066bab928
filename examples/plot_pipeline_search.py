"""
A pipeline and a search, with no labels
=======================================

The models are scikit-learn estimators, so a :class:`~sklearn.pipeline.Pipeline` and
:class:`~sklearn.model_selection.GridSearchCV` take them as they are. ``score`` is the
model's own objective per sample (for :class:`~skdeepcluster.AEGMM`, the mean
log-likelihood of its code under the mixture), so the search needs no ``y``.

The covariance type does not change the autoencoder (the same ``random_state`` trains the
same network), so the candidates are mixtures on one code and their likelihoods compare.
Compare models with the same code width only: a wider code always reconstructs better.
"""

import matplotlib.pyplot as plt
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import AEGMM
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_report

X, y = load_benchmark("digits")

pipeline = make_pipeline(MinMaxScaler(), AEGMM(10, pretrain_epochs=25, n_init=3,
                                               random_state=0))
search = GridSearchCV(
    pipeline,
    {"aegmm__covariance_type": ["spherical", "diag", "full"]},
    cv=3,
)
search.fit(X)  # no y: each candidate is scored by its held-out log-likelihood
print("chosen:", search.best_params_)
print("ACC of the refitted pipeline:",
      round(clustering_report(y, search.best_estimator_.predict(X))["accuracy"], 3))

# %%
# Held-out log-likelihood of each candidate, per fold
# ---------------------------------------------------

results = search.cv_results_
fig, ax = plt.subplots(figsize=(5, 3.5))
names = [p["aegmm__covariance_type"] for p in results["params"]]
ax.bar(names, results["mean_test_score"], yerr=results["std_test_score"], capsize=4)
ax.set_ylabel("mean log-likelihood of the code")
ax.set_title("GridSearchCV over the mixture's covariance")
fig.tight_layout()
plt.show()
