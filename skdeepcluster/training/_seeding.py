"""Local seeding: a fit's random draws never touch, nor depend on, torch's global generators."""

import contextlib
import inspect
import threading

import torch
from torch.nn import init
from torch.overrides import TorchFunctionMode

#: Held while a fit builds its network (see :func:`local_torch_seed`).
_GLOBAL_RNG_LOCK = threading.RLock()

#: The random initialisers of ``torch.nn`` and the in-place random fills they call: each
#: takes a ``generator``, which ``torch.nn``'s layers never pass. (An initialiser without
#: the parameter, in an older torch, draws from the global generator, seeded and forked.)
_RANDOM_FILLS = frozenset(
    fill for fill in (
        init.uniform_, init.normal_, init.trunc_normal_, init.xavier_uniform_,
        init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_,
        init.sparse_,
    ) if "generator" in inspect.signature(fill).parameters
) | {
    torch.Tensor.uniform_, torch.Tensor.normal_, torch.Tensor.bernoulli_,
    torch.Tensor.random_, torch.Tensor.exponential_, torch.Tensor.geometric_,
    torch.Tensor.log_normal_, torch.Tensor.cauchy_,
}


class _SeededFills(TorchFunctionMode):
    """Random fills of CPU tensors without a generator draw from ``generator``."""

    def __init__(self, generator):
        super().__init__()
        self.generator = generator

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _RANDOM_FILLS and kwargs.get("generator") is None:
            tensor = args[0] if args else kwargs.get("tensor")
            if isinstance(tensor, torch.Tensor) and tensor.device.type == "cpu":
                kwargs = {**kwargs, "generator": self.generator}
        return func(*args, **kwargs)


@contextlib.contextmanager
def local_torch_seed(seed, device, generator=None):
    """Seeded, thread-safe construction of a network: its initial weights come from ``seed``.

    ``torch.nn``'s layers initialise their weights from torch's global generator and pass no
    other. In the block, their random fills of CPU tensors draw from a generator seeded
    with ``seed`` instead, which gives the weights that the global generator seeded with
    ``seed`` would, whatever other threads draw from it meanwhile. As a safety net for any
    other draw, the block also runs under :func:`torch.random.fork_rng` with the global
    generators seeded (the caller's random state is the same after the block as before it)
    and holds a process-wide lock, so that fits in other threads do not share that state.
    Keep it to the network's construction; training draws from the fit's own generators
    (:mod:`skdeepcluster._rng`).

    Parameters
    ----------
    seed : int
    device : torch.device
        The CUDA device whose generator is forked too, when it is one.
    generator : torch.Generator or None, default=None
        The CPU generator the fills draw from (a fit's, whose training draws go on from
        where the initialisation left it); None: a new one seeded with ``seed``.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices, device_type="cuda"):
        torch.manual_seed(seed)
        with _SeededFills(generator or torch.Generator().manual_seed(seed)):
            yield
