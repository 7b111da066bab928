"""The one training loop: a skorch ``NeuralNet`` whose loss is a criterion of ``(output, X)``."""

import copy
import dataclasses

import torch
from skorch import NeuralNet
from skorch.dataset import get_len
from skorch.utils import to_tensor

from ..nn import ReconstructionLoss
from ._callbacks import EpochLog, FiniteLoss, PhaseProgress
from ._data import DeviceBatchIterator, make_dataset
from ._inference import apply_in_chunks
from ._interrupt import Interruption
from ._parallel import ProcessShard


#: Bookkeeping keys of skorch's history rows that the epoch records leave out or rename.
_SKORCH_KEYS = {"epoch", "batches", "train_batch_count", "train_loss", "train_loss_best", "dur"}


class EpochLosses:
    """The batch losses of one epoch, kept on their device until the epoch's end.

    Each loss is copied into one buffer allocated at the first batch: no tensor a batch
    survives its step. A list of the losses would keep one small allocation a batch alive
    between the batches' large temporaries, which fragments the host's heap (one epoch over
    10 million rows peaked at 0.84 GiB of private memory, against 0.40 GiB with the buffer),
    and a detached loss can view a buffer the size of its batch (``F.mse_loss`` on the CPU),
    which a list would keep whole.

    Parameters
    ----------
    n_batches : int
        The batches of the epoch (``len`` of its iterator).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.training._loop import EpochLosses
    >>> losses = EpochLosses(3)
    >>> for value in (0.5, 0.25):
    ...     losses.append(torch.tensor(value))
    >>> losses.values()
    tensor([0.5000, 0.2500])
    """

    def __init__(self, n_batches):
        self.n_batches = n_batches
        self.buffer = None
        self.count = 0

    def append(self, loss):
        if self.buffer is None:
            self.buffer = torch.empty(max(self.n_batches, 1), dtype=loss.dtype,
                                      device=loss.device)
        if self.count == len(self.buffer):  # more batches than announced: grow
            self.buffer = torch.cat([self.buffer, torch.empty_like(self.buffer)])
        self.buffer[self.count] = loss.detach()
        self.count += 1

    def values(self):
        """The losses so far, in batch order (a tensor on their device)."""
        if self.buffer is None:
            return torch.empty(0)
        return self.buffer[: self.count]


class ClusterNet(NeuralNet):
    """skorch ``NeuralNet`` for unsupervised training.

    The criterion is an ``nn.Module`` called as ``criterion(module_output, X_batch, index)``
    where ``index`` holds the batch's sample indices (skorch's "target" slot): there is no
    label. Models differ by the module and the criterion they hand in (and by callbacks that
    update the criterion's state during training), never by another loop.

    Parameters
    ----------
    *args, **kwargs
        Those of ``NeuralNet``.
    batch_transform : callable or None, default=None
        Applied to each training batch on the device before the forward pass (data
        augmentation); the criterion sees the transformed batch as ``X``. Not used at
        inference.
    shard : ProcessShard or None, default=None
        Data-parallel training (see :func:`data_parallel`): batches are ``(X, index,
        weight)``, this process's share of a global batch; the weighted gradients are
        summed over the processes before every step, and the batch losses at each epoch's
        end.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
    >>> from skdeepcluster.training import ClusterNet, DeviceBatchIterator, InMemoryDataset
    >>> net = ClusterNet(
    ...     MLPAutoencoder(3, hidden_dims=(), latent_dim=2), criterion=ReconstructionLoss,
    ...     max_epochs=2, batch_size=4, train_split=None, callbacks__print_log=None,
    ...     iterator_train=DeviceBatchIterator,
    ...     iterator_train__generator=torch.Generator().manual_seed(0),
    ... )
    >>> _ = net.fit(InMemoryDataset(torch.zeros(8, 3)), None)  # no labels: y is None
    >>> len(net.history), net.history[-1, "train_batch_count"]
    (2, 2)
    """

    def __init__(self, *args, batch_transform=None, shard=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_transform = batch_transform
        self.shard = shard

    def train_step_single(self, batch, **fit_params):
        # Batches of the DataLoader fallback arrive on the host; the criterion gets the
        # batch itself as its target, so move it (and its index) to the module's device.
        Xi, yi = (to_tensor(part, device=self.device) for part in batch[:2])
        if self.batch_transform is not None:
            Xi = self.batch_transform(Xi)
        if self.shard is None:
            return super().train_step_single((Xi, yi), **fit_params)
        # this process's share of the batch, weighted by its share of the rows: the summed
        # gradients are the whole batch's
        weight = batch[2]
        self._set_training(True)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True) * weight
        loss.backward()
        self.shard.sum_gradients(
            [p for group in self.optimizer_.param_groups for p in group["params"]]
        )
        return {"loss": loss, "y_pred": y_pred}

    def _set_training(self, training=True):
        # skorch puts every module and criterion in training mode before each batch. Each
        # ``module.train()`` walks the whole module tree through ``nn.Module.__setattr__``:
        # about 0.5 ms a batch on a GPU machine's host, a seventh of the paper network's step
        # there (BENCHMARKS.md, 15.3). Only a module with some part in the other mode is
        # switched, which leaves every flag as skorch's call would.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and any(
                part.training != training for part in module.modules()
            ):
                module.train(training)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, X, y_true)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's own loop calls ``.item()`` on every batch loss, a host-device
        # synchronisation per batch that stalls a GPU queue of small kernels. Here the batch
        # losses stay on the device and reach the history together, at the epoch's end
        # (before the epoch-end callbacks read them); ``on_batch_end`` still gets the loss.
        if iterator is None:
            return
        losses = EpochLosses(len(iterator))
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"])
            self.history.record_batch(f"{prefix}_batch_size", get_len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses.count:
            rows = self.history[-1]["batches"][-losses.count:]
            values = losses.values()
            if self.shard is not None:  # each process's weighted share: summed, the batch's
                self.shard.all_reduce(values)
            for row, loss in zip(rows, values.tolist()):
                row[f"{prefix}_loss"] = loss
        self.history.record(f"{prefix}_batch_count", losses.count)


#: Optimizers by name: the torch class and its settings besides the learning rate. SGD's
#: momentum of 0.9 is DEC's and the DMAE reference code's autoencoder pretraining.
OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
}


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Settings shared by every training phase of one fit.

    Parameters
    ----------
    device : torch.device
    batch_size : int
    lr : float
        Learning rate of the optimizer.
    optimizer : {"adam", "sgd"}, default="adam"
        Adam, or SGD with momentum 0.9 (see :data:`OPTIMIZERS`).
    verbose : int, default=0
        0 silent, 1 a progress bar per phase, 2 a line per epoch.
    callbacks : list or None, default=None
        Extra skorch callbacks; each phase gets its own deep copy.
    in_memory : bool or None, default=None
        See :func:`skdeepcluster.training.make_dataset`.
    interruption : Interruption
        Whether the user interrupted the fit; shared by every phase (and every copy made
        with ``dataclasses.replace``), so that no phase trains after the interrupt.
    shard : ProcessShard or None, default=None
        Data-parallel training across processes (see :func:`data_parallel`); None trains
        in this process alone.

    Examples
    --------
    >>> import dataclasses
    >>> import torch
    >>> from skdeepcluster.training import TrainingConfig
    >>> config = TrainingConfig(device=torch.device("cpu"), batch_size=32, lr=1e-3)
    >>> config.optimizer, config.verbose, config.interruption.requested
    ('adam', 0, False)
    >>> finer = dataclasses.replace(config, lr=1e-4)
    >>> finer.interruption is config.interruption
    True
    """

    device: torch.device
    batch_size: int
    lr: float
    optimizer: str = "adam"
    verbose: int = 0
    callbacks: list | None = None
    in_memory: bool | None = None
    interruption: Interruption = dataclasses.field(default_factory=Interruption, compare=False)
    shard: ProcessShard | None = None


def _phase_callbacks(phase, config, model_callbacks):
    # The user's callbacks, then progress output, then the divergence check, then the
    # model's own (which may end training at an epoch's end, after the progress output has
    # seen that epoch).
    callbacks = copy.deepcopy(list(config.callbacks or []))
    if config.verbose == 1:
        callbacks.append(("phase_progress", PhaseProgress(phase)))
    elif config.verbose >= 2:
        callbacks.append(("epoch_log", EpochLog(phase)))
    callbacks.append(("finite_loss", FiniteLoss(phase)))
    return callbacks + list(model_callbacks)


def train_module(
    module, X, criterion, *, phase, max_epochs, config, generator, callbacks=(), shuffle=True,
    batch_transform=None,
):
    """Train ``module`` in place on ``X`` for ``max_epochs`` epochs (``config.optimizer``).

    Parameters
    ----------
    module : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
        float32 training data, on the CPU or already on ``config.device``.
    criterion : torch.nn.Module
        Called as ``criterion(module(x_batch), x_batch, index_batch)``; returns a scalar loss.
    phase : str
        Name recorded in the history and shown in progress output.
    max_epochs : int
    config : TrainingConfig
    generator : torch.Generator
        CPU generator for the batch order.
    callbacks : sequence of skorch callbacks, default=()
        The model's own callbacks (scheduled work such as a target refresh).
    shuffle : bool, default=True
        Shuffle the batch order each epoch; False keeps the rows in order (full-batch graph
        training, where the rows are the graph's nodes).
    batch_transform : callable or None, default=None
        Applied to every training batch before the forward pass (see :class:`ClusterNet`).

    Returns
    -------
    list of dict
        One record per complete epoch: ``phase``, ``epoch``, ``loss``, ``dur`` (seconds),
        plus what callbacks recorded in that epoch's history row. After the user interrupted
        the fit (``config.interruption``), the epochs completed before it; no epoch at all
        in the phases that come after.
    """
    if max_epochs == 0 or config.interruption.requested:
        return []
    dataset, in_memory = make_dataset(X, config.device, config.in_memory)
    # a data-parallel phase slices its shares of the batches out of the rows, on the host
    # when they are not on the device (full-batch graph phases train whole in every process)
    shard = config.shard if shuffle else None
    if in_memory or shard is not None:
        iterator = {"iterator_train": DeviceBatchIterator, "iterator_train__shard": shard}
    else:
        iterator = {}
    optimizer, optimizer_params = OPTIMIZERS[config.optimizer]
    net = ClusterNet(
        module.to(config.device),
        criterion=criterion,
        optimizer=optimizer,
        lr=config.lr,
        **{f"optimizer__{key}": value for key, value in optimizer_params.items()},
        max_epochs=max_epochs,
        batch_size=config.batch_size,
        train_split=None,
        device=config.device,
        iterator_train__shuffle=shuffle,
        iterator_train__generator=generator,
        callbacks=_phase_callbacks(phase, config, callbacks),
        callbacks__print_log=None,
        verbose=0,
        batch_transform=batch_transform,
        shard=shard,
        **iterator,
    )
    net.fit(dataset, None)
    # An epoch cut short by an interrupt has no loss: it is not a record.
    rows = [row for row in net.history if "train_loss" in row]
    if config.interruption.requested:
        config.interruption.stopped(phase, len(rows), max_epochs)
    return [
        {
            "phase": phase,
            "epoch": int(row["epoch"]),
            "loss": float(row["train_loss"]),
            "dur": float(row["dur"]),
            # values that callbacks recorded (e.g. DEC's delta_label)
            **{
                k: v for k, v in row.items()
                if k not in _SKORCH_KEYS and not k.startswith("event_")
            },
        }
        for row in rows
    ]


def train_layerwise(
    autoencoder, X, *, reconstruction, max_epochs, config, generator, phase="layerwise",
):
    """Greedy layer-wise pretraining of a stacked autoencoder (Bengio et al., 2007).

    Layer pair ``i`` (encoder layer ``i`` and its mirrored decoder layer) learns to reconstruct
    the output of the first ``i`` encoder layers, which are kept fixed; pairs are trained in
    order, each for ``max_epochs`` epochs. The outermost pair uses ``reconstruction``; inner
    pairs reconstruct real-valued hidden codes and use the squared error.

    Parameters
    ----------
    autoencoder : MLPAutoencoder
    X : Tensor of shape (n_samples, n_features)
    reconstruction : {"mse", "bce"}
    max_epochs : int
        Epochs per layer pair.
    config : TrainingConfig
    generator : torch.Generator
    phase : str, default="layerwise"
        Prefix of the phase names.

    Returns
    -------
    list of dict
        Epoch records, phase ``"<phase>-<i>"`` for pair ``i``.
    """
    history = []
    if max_epochs == 0:
        return history
    H = X
    for i in range(autoencoder.n_layers):
        if i > 0:
            layer = autoencoder.encoder_layers[i - 1]
            H = apply_in_chunks(layer, autoencoder, H.cpu().numpy(), config.device)
            H = torch.from_numpy(H)
        criterion = ReconstructionLoss(reconstruction if i == 0 else "mse")
        history += train_module(
            autoencoder.layer_pair(i), H, criterion, phase=f"{phase}-{i}",
            max_epochs=max_epochs, config=config, generator=generator,
        )
    return history
