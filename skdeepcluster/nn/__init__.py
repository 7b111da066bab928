"""Torch building blocks (``nn.Module`` subclasses).

Modules hold parameters and ``forward`` only: they never own an optimizer or a training
loop, and they know nothing of NumPy, scikit-learn or skorch.
"""

from ._autoencoder import ACTIVATIONS, MLPAutoencoder
from ._conv import ConvAutoencoder
from ._dmae import DissimilarityMixture, DMAELoss, DMAEModule, MixtureLoss
from ._fusion import FusionAutoencoder
from ._dec import SelfTrainingLoss, StudentTClusterer
from ._gcn import GCNFusion, GCNLayer, SDCNLoss, SDCNModule
from ._sddecc import GCNWarmStart, GCNWarmStartLoss, SDDECCLoss, SDDECCModule
from ._losses import ReconstructionLoss, TargetLoss
from ._vade import (
    LOG_VAR_RANGE,
    GaussianMixturePrior,
    PseudoLabelLoss,
    Standardize,
    VaDELoss,
    VaDEModule,
    cluster_classifier,
    initialize_classifier,
)

__all__ = [
    "ACTIVATIONS",
    "ConvAutoencoder",
    "DMAELoss",
    "DMAEModule",
    "DissimilarityMixture",
    "FusionAutoencoder",
    "GCNFusion",
    "GCNLayer",
    "GCNWarmStart",
    "GCNWarmStartLoss",
    "GaussianMixturePrior",
    "LOG_VAR_RANGE",
    "MLPAutoencoder",
    "MixtureLoss",
    "PseudoLabelLoss",
    "ReconstructionLoss",
    "SDCNLoss",
    "SDCNModule",
    "SDDECCLoss",
    "SDDECCModule",
    "SelfTrainingLoss",
    "Standardize",
    "StudentTClusterer",
    "TargetLoss",
    "VaDELoss",
    "VaDEModule",
    "cluster_classifier",
    "initialize_classifier",
]
