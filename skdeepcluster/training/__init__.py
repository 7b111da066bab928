"""The one training loop (a skorch ``NeuralNet``), its data path, callbacks and inference helper."""

from ._callbacks import EpochLog, FiniteLoss, PhaseProgress, TargetRefresh, WarmupWeight
from ._data import DeviceBatchIterator, InMemoryDataset, make_dataset, training_tensor
from ._inference import INFERENCE_CHUNK, apply_in_chunks, evaluating
from ._interrupt import FitInterruptedWarning, Interruption, catch_interrupt
from ._loop import ClusterNet, TrainingConfig, train_layerwise, train_module
from ._parallel import ProcessShard, current_shard, data_parallel
from ._seeding import local_torch_seed

__all__ = [
    "INFERENCE_CHUNK",
    "ClusterNet",
    "DeviceBatchIterator",
    "EpochLog",
    "FiniteLoss",
    "FitInterruptedWarning",
    "InMemoryDataset",
    "Interruption",
    "PhaseProgress",
    "ProcessShard",
    "TargetRefresh",
    "TrainingConfig",
    "apply_in_chunks",
    "catch_interrupt",
    "current_shard",
    "data_parallel",
    "evaluating",
    "local_torch_seed",
    "make_dataset",
    "train_layerwise",
    "train_module",
    "training_tensor",
    "WarmupWeight",
]
