"""External clustering metrics: accuracy under the best label matching, and a report."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import (
    adjusted_rand_score,
    normalized_mutual_info_score,
)
from sklearn.metrics.cluster import contingency_matrix
from sklearn.utils.validation import check_consistent_length, column_or_1d

__all__ = ["clustering_accuracy", "clustering_report"]


def clustering_accuracy(y_true, y_pred):
    """Accuracy of a clustering under the best one-to-one matching of clusters to classes.

    The matching maximises the number of agreeing samples (Hungarian algorithm on the
    contingency table). When there are more clusters than classes, the unmatched clusters
    count as errors; with fewer clusters, the unmatched classes do. Labels may be any
    hashable values; cluster numbering does not matter.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth classes.
    y_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> from skdeepcluster.metrics import clustering_accuracy
    >>> clustering_accuracy([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 2, 0])
    0.8333333333333334
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    if len(y_true) == 0:
        raise ValueError("clustering_accuracy needs at least one sample, got 0")
    table = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(y_true))


def clustering_report(y_true, y_pred):
    """Accuracy, normalised mutual information and adjusted Rand index of a clustering.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples,)

    Returns
    -------
    dict
        ``{"accuracy": float, "nmi": float, "ari": float}``. NMI uses the arithmetic mean
        normalisation (scikit-learn's default, the usual choice in deep clustering papers).

    Examples
    --------
    >>> from skdeepcluster.metrics import clustering_report
    >>> clustering_report([0, 0, 1, 1], [1, 1, 0, 0])
    {'accuracy': 1.0, 'nmi': 1.0, 'ari': 1.0}
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    return {
        "accuracy": clustering_accuracy(y_true, y_pred),
        "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
        "ari": float(adjusted_rand_score(y_true, y_pred)),
    }
