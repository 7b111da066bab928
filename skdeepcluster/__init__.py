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

#: The package's estimator classes by the names skops gives them: the types to trust when
#: loading a model saved with ``skops.io`` (``skops.io.load(path, trusted=...)``) or with
#: MLflow's sklearn flavour (``mlflow.sklearn.log_model(..., skops_trusted_types=...)``).
#: A saved model holds no other type of this package, and no torch type.
SKOPS_TRUSTED_TYPES = [
    f"{cls.__module__}.{cls.__qualname__}"
    for cls in (
        AEGMM, DEC, DMAE, DMM, DVAE, IDEC, SDCN, SDDECC, AEKMeans, DeepFusionGMM,
        TorchGaussianMixture, VaDE,
    )
]

__all__ = [
    "AEGMM", "DEC", "DVAE", "DMAE", "DMM", "IDEC", "SDCN", "SDDECC", "AEKMeans",
    "BaseDeepClusterer", "DeepFusionGMM", "SKOPS_TRUSTED_TYPES", "TorchGaussianMixture",
    "VaDE", "__version__",
]
