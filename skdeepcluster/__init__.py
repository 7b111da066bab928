"""skdeepcluster: deep clustering models as scikit-learn estimators, trained with PyTorch."""

from .base import BaseDeepClusterer
from .models import (
    AEGMM,
    DEC,
    DMAE,
    DMM,
    DVAE,
    IDEC,
    SDCN,
    SDDECC,
    AEKMeans,
    DeepFusionGMM,
    TorchGaussianMixture,
    VaDE,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "AEGMM", "DEC", "DVAE", "DMAE", "DMM", "IDEC", "SDCN", "SDDECC", "AEKMeans",
    "BaseDeepClusterer", "DeepFusionGMM", "TorchGaussianMixture", "VaDE", "__version__",
]
