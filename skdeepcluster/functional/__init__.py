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
from ._gmm import (
    COVARIANCE_TYPES,
    IllDefinedCovarianceError,
    e_step,
    gaussian_log_prob,
    m_step,
    n_mixture_parameters,
    precision_cholesky,
    weighted_log_prob,
)
from ._graph import KNN_CHUNK, knn_graph, knn_indices, reference_norms
from ._kmeans import kmeans_plusplus, lloyd, nearest_center
from ._losses import RECONSTRUCTION_LOSSES, kl_clustering_loss, reconstruction_loss
from ._sddecc import cluster_gaussian_kl, jsd_mutual_information_loss, standard_normal_kl
from ._vade import (
    mixture_log_joint,
    prior_responsibilities,
    vade_elbo,
    SIMILARITY_FORMS,
    wasserstein_similarity_loss,
)

__all__ = [
    "COVARIANCE_TYPES",
    "IllDefinedCovarianceError",
    "e_step",
    "gaussian_log_prob",
    "kmeans_plusplus",
    "lloyd",
    "m_step",
    "mixture_log_joint",
    "n_mixture_parameters",
    "nearest_center",
    "precision_cholesky",
    "prior_responsibilities",
    "weighted_log_prob",
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
    "cluster_gaussian_kl",
    "jsd_mutual_information_loss",
    "standard_normal_kl",
    "knn_graph",
    "knn_indices",
    "reference_norms",
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
    "vade_elbo",
    "SIMILARITY_FORMS",
    "wasserstein_similarity_loss",
]
