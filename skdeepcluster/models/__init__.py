"""The estimators, one module per model family."""

from ._baselines import AEGMM, AEKMeans
from ._dec import DEC, IDEC
from ._dmae import DMAE, DMM
from ._fusion import DeepFusionGMM
from ._mixture import TorchGaussianMixture
from ._sdcn import SDCN
from ._sddecc import SDDECC
from ._vade import DVAE, VaDE

__all__ = [
    "AEGMM", "AEKMeans", "DEC", "DMAE", "DMM", "DeepFusionGMM", "IDEC", "SDCN", "SDDECC",
    "TorchGaussianMixture", "VaDE", "DVAE",
]
