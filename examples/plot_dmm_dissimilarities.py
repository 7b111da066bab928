"""
One mixture, several dissimilarities
====================================

:class:`~skdeepcluster.DMM` is a mixture model whose clusters are defined by a
dissimilarity of your choice. Here three of them on two synthetic sets of the DMAE paper,
with the decision regions of each fit (its ``predict`` on a grid):

- pinwheel arms, elongated and curved: ``"euclidean"`` cuts them with straight borders,
  ``"mahalanobis"`` (a learned metric per cluster) follows them;
- blobs on a torus, whose coordinates wrap around at 0 and 1: the euclidean fit splits
  each blob cut by an edge, ``"toroidal"`` sees it whole.

The settings (batches of 32, 40 epochs) are those of the paper's synthetic experiments.
"""

import matplotlib.pyplot as plt
import numpy as np

from skdeepcluster import DMM
from skdeepcluster.datasets import make_pinwheel, make_toroidal_blobs
from skdeepcluster.metrics import clustering_accuracy

pinwheel, pinwheel_y = make_pinwheel(1000, 5, random_state=0)
torus, torus_y = make_toroidal_blobs(1000, 4, random_state=0)

cases = [
    (pinwheel, pinwheel_y, 5, "euclidean"),
    (pinwheel, pinwheel_y, 5, "mahalanobis"),
    (torus, torus_y, 4, "euclidean"),
    (torus, torus_y, 4, "toroidal"),
]

fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for ax, (X, y, k, dissimilarity) in zip(axes, cases):
    model = DMM(k, dissimilarity=dissimilarity, max_epochs=40, batch_size=32, random_state=0)
    labels = model.fit_predict(X)
    acc = clustering_accuracy(y, labels)
    print(f"{dissimilarity:12s} ACC {acc:.3f}")

    lo, hi = X.min(axis=0) - 0.1, X.max(axis=0) + 0.1
    if X is torus:  # the torus is the unit square with its edges glued
        lo, hi = np.zeros(2), np.ones(2)
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    regions = model.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    ax.imshow(regions, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), cmap="tab10",
              vmin=0, vmax=9, alpha=0.25, interpolation="nearest", aspect="auto")
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="tab10", s=4, vmin=0, vmax=9)
    ax.set_title(f"{dissimilarity}: ACC {acc:.2f}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
