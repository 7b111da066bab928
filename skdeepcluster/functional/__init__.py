"""Pure tensor functions with documented shapes.

Nothing here knows about NumPy, scikit-learn or skorch: every function takes and returns
``torch.Tensor`` objects, so it can run on any device and be checked with
``torch.autograd.gradcheck``.
"""

from ._assignment import squared_euclidean, student_t_assignment, target_distribution
from ._augment import random_affine
from ._dissimilarities import (
    DISSIMILARITIES,
    assigned_dissimilarity,
    chebyshev,
    cosine,
    dot,
    euclidean,
    itakura_saito,
    kullback_leibler,
    mahalanobis,
    manhattan,
    minkowski,
    pairwise_dissimilarity,
    toroidal,
)
from ._graph import KNN_CHUNK, knn_graph, knn_indices
from ._losses import RECONSTRUCTION_LOSSES, kl_clustering_loss, reconstruction_loss

__all__ = [
    "DISSIMILARITIES",
    "KNN_CHUNK",
    "RECONSTRUCTION_LOSSES",
    "assigned_dissimilarity",
    "chebyshev",
    "cosine",
    "dot",
    "euclidean",
    "itakura_saito",
    "kl_clustering_loss",
    "knn_graph",
    "knn_indices",
    "kullback_leibler",
    "mahalanobis",
    "manhattan",
    "minkowski",
    "pairwise_dissimilarity",
    "random_affine",
    "reconstruction_loss",
    "squared_euclidean",
    "student_t_assignment",
    "target_distribution",
    "toroidal",
]
