"""Clustering metrics against hand-computed cases."""

import pytest

from skdeepcluster.metrics import clustering_accuracy, clustering_report


def test_perfect_up_to_renaming():
    assert clustering_accuracy([0, 0, 1, 1, 2], [2, 2, 0, 0, 1]) == 1.0


def test_hand_computed_mismatch():
    # best matching: 1->0, 0->1, 2->2; agreements 2 + 2 + 1 = 5 of 6
    assert clustering_accuracy([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 2, 0]) == pytest.approx(5 / 6)


def test_more_clusters_than_classes():
    # 4 clusters on 2 classes: only two clusters can be matched (sizes 3 and 2 of 7)
    y_true = [0, 0, 0, 0, 1, 1, 1]
    y_pred = [0, 0, 0, 1, 2, 2, 3]
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(5 / 7)


def test_fewer_clusters_than_classes():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [5, 5, 5, 5, 7, 7]
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(4 / 6)


def test_string_labels():
    assert clustering_accuracy(["a", "a", "b"], ["x", "x", "y"]) == 1.0


def test_errors():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clustering_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="at least one sample"):
        clustering_accuracy([], [])


def test_report():
    report = clustering_report([0, 0, 1, 1], [0, 0, 0, 1])
    assert set(report) == {"accuracy", "nmi", "ari"}
    assert report["accuracy"] == pytest.approx(0.75)
    # hand-computed ARI: pair counts sum C(n_ij, 2) = 1, rows 2, columns 3, C(4, 2) = 6;
    # expected index 2 * 3 / 6 = 1, maximum (2 + 3) / 2, so ARI = (1 - 1) / (2.5 - 1) = 0
    assert report["ari"] == pytest.approx(0.0)
    assert clustering_report([0, 0, 1, 1], [0, 1, 0, 1])["ari"] == pytest.approx(-0.5)
    assert 0 < report["nmi"] < 1
