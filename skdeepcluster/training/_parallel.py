"""Data-parallel training across processes, on ``torch.distributed`` (launched by torchrun).

Every process holds the same rows and the same estimator. Each global batch of
``batch_size`` rows is split between the processes; each computes the gradient of its share,
weighted by its share of the rows, and one all-reduce per step sums the weighted gradients:
every process then takes the step that one process training on the whole batch would take.
The batch losses are summed the same way once per epoch, so that every process records the
same history and every decision taken from it (early stopping, target refreshes) agrees.

This is the algorithm of PyTorch's ``DistributedDataParallel`` without its module wrapper:
that wrapper reduces gradients as they are produced by the module's forward outputs, while
several criteria here use parameters of their own (DMAE's mixture, VaDE's prior), which it
would leave out of the reduction.
"""

import contextlib
import contextvars
import dataclasses
import hashlib
from numbers import Real

import numpy as np
import torch

__all__ = ["ProcessShard", "current_shard", "data_parallel"]


@dataclasses.dataclass(frozen=True)
class ProcessShard:
    """This process's place in a data-parallel fit.

    Parameters
    ----------
    rank : int
        This process's rank in ``group``.
    world_size : int
        The number of processes.
    group : ProcessGroup or None, default=None
        The ``torch.distributed`` group; None is the default group.

    Examples
    --------
    >>> from skdeepcluster.training import ProcessShard
    >>> ProcessShard(rank=1, world_size=2).rows(list(range(5)))
    ([1, 3], 0.4)
    >>> ProcessShard(rank=1, world_size=2).rows([7])  # fewer rows than processes: all
    ([7], 0.5)
    """

    rank: int
    world_size: int
    group: object = None

    def rows(self, index):
        """This process's share of a batch's row indices, and its weight in the batch's loss.

        The shares are strided (rows ``rank``, ``rank + world_size``, ...) and their weights
        (a share's rows over the batch's) sum to one. A batch of fewer rows than processes
        goes whole to every process, each with weight ``1 / world_size``.
        """
        if len(index) < self.world_size:
            return index, 1.0 / self.world_size
        share = index[self.rank :: self.world_size]
        return share, len(share) / len(index)

    def all_reduce(self, tensor):
        """Sum ``tensor`` over the processes, in place."""
        torch.distributed.all_reduce(tensor, group=self.group)
        return tensor

    def all_gather(self, value):
        """``value`` of every process, in rank order (any picklable value)."""
        gathered = [None] * self.world_size
        torch.distributed.all_gather_object(gathered, value, group=self.group)
        return gathered

    def broadcast(self, value):
        """Rank 0's ``value`` (any picklable value), on every process."""
        box = [value]
        source = torch.distributed.get_global_rank(self.group, 0) if self.group else 0
        torch.distributed.broadcast_object_list(box, src=source, group=self.group)
        return box[0]

    def sum_gradients(self, parameters):
        """Sum the gradients of ``parameters`` over the processes: one all-reduce."""
        grads = [p.grad for p in parameters if p.grad is not None]
        if not grads:
            return
        flat = self.all_reduce(torch.cat([g.reshape(-1) for g in grads]))
        for grad, total in zip(grads, flat.split([g.numel() for g in grads])):
            grad.copy_(total.view_as(grad))


_SHARD = contextvars.ContextVar("skdeepcluster_process_shard", default=None)


def current_shard():
    """The :class:`ProcessShard` of the enclosing :func:`data_parallel` block, or None."""
    return _SHARD.get()


@contextlib.contextmanager
def data_parallel(group=None):
    """Train the fits inside the block data-parallel across the processes of ``group``.

    Start one process per CPU socket or GPU with ``torchrun``, and have every process
    initialise ``torch.distributed`` (``"gloo"`` for the CPU, ``"nccl"`` for GPUs, with each
    process's GPU set by ``torch.cuda.set_device(local_rank)``), load the same rows and fit
    the same estimator inside this block. Each global batch of ``batch_size`` rows is then
    split between the processes, and every step sums their gradients, so that every process
    ends with the model one process would have trained on the same batches, to rounding.
    A fit checks first that every process has the same rows and parameters
    (``ValueError`` on every process otherwise); with ``random_state=None`` the seed is
    rank 0's.

    Models whose training losses are means over rows train this way: AEKMeans, AEGMM,
    DEC, IDEC, DMAE, DMM, VaDE, DeepFusionGMM, and SDCN's pretraining (its graph phase,
    one step on the whole graph an epoch, runs whole in every process). DVAE (a term over
    pairs of the batch's rows) and SDDECC (a mutual information over the batch) train on all
    the rows in every process instead, with a warning. The clustering steps (k-means or EM
    on the code) run in every process on all the rows. Ctrl-C ends the processes through
    torchrun: the single-process rule (stop training, finish the fit) does not apply,
    since the processes would stop at different steps.

    Parameters
    ----------
    group : ProcessGroup or None, default=None
        The ``torch.distributed`` group; None is the default group.

    Yields
    ------
    ProcessShard
        This process's rank and the number of processes.

    Examples
    --------
    A script ``fit.py``, launched as ``torchrun --standalone --nproc-per-node 2 fit.py``::

        import torch.distributed as dist
        from skdeepcluster import DEC
        from skdeepcluster.training import data_parallel

        dist.init_process_group("gloo")
        X = ...  # the same rows in every process
        with data_parallel():
            model = DEC(n_clusters=10, random_state=0).fit(X)
        if dist.get_rank() == 0:
            ...  # save the model: every process holds the same one
        dist.destroy_process_group()
    """
    distributed = torch.distributed
    if not (distributed.is_available() and distributed.is_initialized()):
        raise RuntimeError(
            "data_parallel() needs torch.distributed's process group: call "
            "torch.distributed.init_process_group first (torchrun sets each process's rank "
            "and the world size)"
        )
    shard = ProcessShard(
        rank=distributed.get_rank(group), world_size=distributed.get_world_size(group),
        group=group,
    )
    token = _SHARD.set(shard)
    try:
        yield shard
    finally:
        _SHARD.reset(token)


def _plain_params(estimator):
    """The estimator's parameters of plain types (comparable across processes; objects such
    as callbacks differ in their addresses), as ``{name: repr}``."""
    plain = (Real, str, bool, type(None), tuple, list)
    return {
        name: repr(value) for name, value in estimator.get_params(deep=False).items()
        if isinstance(value, plain)
    }


def fingerprint(estimator, X):
    """What every process of a data-parallel fit must agree on: the estimator's class and
    parameters, the rows' shape and dtype, and a digest of up to 1,024 rows spread over
    them."""
    step = max(1, len(X) // 1024)
    return {
        "estimator": type(estimator).__name__,
        "shape": tuple(X.shape),
        "dtype": str(X.dtype),
        "rows": hashlib.sha256(np.ascontiguousarray(X[::step]).tobytes()).hexdigest(),
        "parameters": _plain_params(estimator),
    }


def _differences(mine, theirs):
    """What differs between two fingerprints, in words."""
    words = []
    for key in ("estimator", "shape", "dtype"):
        if mine[key] != theirs[key]:
            words.append(f"{key} {theirs[key]} against {mine[key]}")
    if mine["shape"] == theirs["shape"] and mine["rows"] != theirs["rows"]:
        words.append("the rows' values")
    names = sorted(
        name for name in set(mine["parameters"]) | set(theirs["parameters"])
        if mine["parameters"].get(name) != theirs["parameters"].get(name)
    )
    if names:
        words.append("parameters " + ", ".join(names))
    return "; ".join(words)


def check_same_fit(shard, estimator, X):
    """Raise the same ``ValueError`` on every process when their rows or parameters
    differ (a data-parallel fit would otherwise mix different problems, or wait forever)."""
    everyone = shard.all_gather(fingerprint(estimator, X))
    for rank, theirs in enumerate(everyone):
        if theirs != everyone[0]:
            raise ValueError(
                f"data_parallel: process {rank} fits other rows or parameters than process 0 "
                f"({_differences(everyone[0], theirs)}); every process must fit the same "
                "estimator, with the same parameters, on the same rows"
            )
