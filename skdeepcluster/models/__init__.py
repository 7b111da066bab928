"""The estimators, one module per model family."""

from ._baselines import AEGMM, AEKMeans

__all__ = ["AEGMM", "AEKMeans"]
