"""Callbacks of the training loop: progress output, a divergence check and scheduled work."""

import math
import sys

from skorch.callbacks import Callback
from tqdm.auto import tqdm

from ..functional import target_distribution
from ._inference import evaluating


class PhaseProgress(Callback):
    """One progress bar per training phase, advanced each epoch, showing the loss.

    Parameters
    ----------
    phase : str
        Label of the bar (``"pretrain"``, ``"fine-tune"``...).
    file : file-like, default=None
        Where the bar is drawn; standard error by default.

    Examples
    --------
    >>> import io
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
    >>> from skdeepcluster.training import ClusterNet, InMemoryDataset, PhaseProgress
    >>> out = io.StringIO()
    >>> net = ClusterNet(
    ...     MLPAutoencoder(3, hidden_dims=(), latent_dim=2), criterion=ReconstructionLoss,
    ...     max_epochs=2, batch_size=4, train_split=None, callbacks__print_log=None,
    ...     callbacks=[PhaseProgress("pretrain", file=out)],
    ... )
    >>> _ = net.fit(InMemoryDataset(torch.zeros(8, 3)), None)
    >>> "pretrain: 100%" in out.getvalue()
    True
    """

    def __init__(self, phase, file=None):
        self.phase = phase
        self.file = file

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.bar_ = tqdm(
            total=net.max_epochs, desc=self.phase, unit="epoch", leave=True,
            file=self.file if self.file is not None else sys.stderr,
        )

    def on_epoch_end(self, net, **kwargs):
        self.bar_.set_postfix(loss=f"{net.history[-1, 'train_loss']:.4g}", refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.bar_.close()
        del self.bar_


class EpochLog(Callback):
    """One line per epoch: phase, epoch, loss and duration.

    Parameters
    ----------
    phase : str
    sink : callable, default=print

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
    >>> from skdeepcluster.training import ClusterNet, EpochLog, InMemoryDataset
    >>> lines = []
    >>> net = ClusterNet(
    ...     MLPAutoencoder(3, hidden_dims=(), latent_dim=2), criterion=ReconstructionLoss,
    ...     max_epochs=2, batch_size=4, train_split=None, callbacks__print_log=None,
    ...     callbacks=[EpochLog("pretrain", sink=lines.append)],
    ... )
    >>> _ = net.fit(InMemoryDataset(torch.zeros(8, 3)), None)
    >>> [line.split("  loss")[0] for line in lines]
    ['[pretrain] epoch    1/2', '[pretrain] epoch    2/2']
    """

    def __init__(self, phase, sink=print):
        self.phase = phase
        self.sink = sink

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self.sink(
            f"[{self.phase}] epoch {row['epoch']:>4d}/{net.max_epochs}"
            f"  loss {row['train_loss']:.6g}  {row['dur']:.2f}s"
        )


class FiniteLoss(Callback):
    """Stop a training phase whose loss has become NaN or infinite, with a clear error.

    A diverged phase otherwise goes on with non-finite weights and fails later, far from
    the cause (k-means on a NaN code, say). Checked at the end of every epoch, on the
    epoch's loss, which is on the host by then.

    Parameters
    ----------
    phase : str
        Name of the phase, for the message.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, ReconstructionLoss
    >>> from skdeepcluster.training import ClusterNet, FiniteLoss, InMemoryDataset
    >>> net = ClusterNet(
    ...     MLPAutoencoder(3, hidden_dims=(), latent_dim=2), criterion=ReconstructionLoss,
    ...     max_epochs=2, batch_size=4, train_split=None, callbacks__print_log=None,
    ...     callbacks=[FiniteLoss("pretrain")],
    ... )
    >>> net.fit(InMemoryDataset(torch.full((8, 3), float("nan"))), None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: The 'pretrain' training phase diverged: its loss was nan at epoch 1. ...
    """

    def __init__(self, phase):
        self.phase = phase

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        loss = row.get("train_loss")
        if loss is not None and not math.isfinite(loss):
            raise ValueError(
                f"The {self.phase!r} training phase diverged: its loss was {loss} at epoch "
                f"{row['epoch']}. The data may hold large values (scale them, e.g. to "
                "[0, 1]) or the learning rate of this phase may be too high for them."
            )


class TargetRefresh(Callback):
    """Refresh DEC's target distribution on the whole data; stop when labels settle.

    Before training and then every ``update_interval`` training batches, the module's soft
    assignments ``q`` of every training sample are computed (without gradients, in
    evaluation mode) and the criterion's ``target`` is set to
    :func:`~skdeepcluster.functional.target_distribution` of them. When fewer than a
    fraction ``tol`` of the arg-max labels changed since the previous refresh, training stops
    at the end of the current epoch. The fraction is recorded in the history as
    ``delta_label``.

    The module must have an ``assign(x)`` method and the criterion a ``target`` attribute
    (see :class:`~skdeepcluster.nn.StudentTClusterer` and
    :class:`~skdeepcluster.nn.SelfTrainingLoss`). The training data are dropped at the end
    of training.

    Parameters
    ----------
    update_interval : int, default=140
    tol : float, default=1e-3
    chunk_size : int, default=4096
        Rows per no-grad pass when computing ``q``.

    Examples
    --------
    With all centres alike every sample keeps label 0, so the labels settle at the first
    refresh and training stops after one epoch:

    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SelfTrainingLoss, StudentTClusterer
    >>> from skdeepcluster.training import ClusterNet, InMemoryDataset, TargetRefresh
    >>> model = StudentTClusterer(MLPAutoencoder(3, hidden_dims=(), latent_dim=2), n_clusters=2)
    >>> net = ClusterNet(
    ...     model, criterion=SelfTrainingLoss, max_epochs=5, batch_size=4, train_split=None,
    ...     callbacks__print_log=None, callbacks=[TargetRefresh(update_interval=1)],
    ... )
    >>> _ = net.fit(InMemoryDataset(torch.zeros(8, 3)), None)
    >>> len(net.history), net.history[:, "delta_label"]
    (1, [0.0])
    """

    def __init__(self, update_interval=140, tol=1e-3, chunk_size=4096):
        self.update_interval = update_interval
        self.tol = tol
        self.chunk_size = chunk_size

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.data_ = X.X
        self.n_batches_ = 0
        self.labels_ = None
        self.converged_ = False
        self._refresh(net)

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        if self.n_batches_ and self.n_batches_ % self.update_interval == 0 and not self.converged_:
            self._refresh(net)
        self.n_batches_ += 1

    def _refresh(self, net):
        # every chunk's assignments copied into one tensor of all the rows (no tensor a chunk
        # kept until a concatenation: see apply_in_chunks)
        q, start = None, 0
        with evaluating(net.module_) as module:
            for chunk in self.data_.split(self.chunk_size):
                part = module.assign(chunk.to(net.device))
                if q is None:
                    q = part.new_empty(len(self.data_), part.shape[1])
                q[start : start + len(part)] = part
                start += len(part)
        net.criterion_.target = target_distribution(q)
        labels = q.argmax(dim=1)
        if self.labels_ is not None:
            delta = (labels != self.labels_).float().mean().item()
            net.history.record("delta_label", delta)
            self.converged_ = delta < self.tol
        self.labels_ = labels

    def on_epoch_end(self, net, **kwargs):
        if self.converged_:
            raise KeyboardInterrupt  # skorch's way to end training early (cf. EarlyStopping)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        net.criterion_.target = None
        del self.data_, self.labels_


class WarmupWeight(Callback):
    """Switch a weight of the criterion on after a warm-up: 0 for the first epochs.

    At the start of every epoch ``net.criterion_.<attribute>`` is set to 0 during the first
    ``warmup_epochs`` epochs and to ``value`` afterwards (DVAE's similarity weight ``beta``,
    zero for its first ``T`` epochs). The value used is recorded in the history under
    ``attribute``.

    Parameters
    ----------
    attribute : str
    value : float
    warmup_epochs : int

    Examples
    --------
    DMAE's clustering loss, off for the first epoch:

    >>> import torch
    >>> from skdeepcluster.nn import DissimilarityMixture, DMAELoss, DMAEModule, MLPAutoencoder
    >>> from skdeepcluster.training import ClusterNet, InMemoryDataset, WarmupWeight
    >>> module = DMAEModule(MLPAutoencoder(3, hidden_dims=(), latent_dim=2),
    ...                     DissimilarityMixture(n_features=2, n_clusters=2))
    >>> net = ClusterNet(
    ...     module, criterion=DMAELoss(module.mixture), max_epochs=3, batch_size=4,
    ...     train_split=None, callbacks__print_log=None,
    ...     callbacks=[WarmupWeight("lambda_c", 1.0, warmup_epochs=1)],
    ... )
    >>> _ = net.fit(InMemoryDataset(torch.zeros(8, 3)), None)
    >>> net.history[:, "lambda_c"]
    [0.0, 1.0, 1.0]
    """

    def __init__(self, attribute, value, warmup_epochs):
        self.attribute = attribute
        self.value = value
        self.warmup_epochs = warmup_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)  # skorch has appended this epoch's row already
        weight = 0.0 if epoch <= self.warmup_epochs else self.value
        setattr(net.criterion_, self.attribute, weight)
        net.history.record(self.attribute, weight)
