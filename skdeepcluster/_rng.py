"""The random draws of a fit come from the fit's own generators, never torch's global ones.

torch's global generators are shared by every thread of the process: two fits in threads
(a threading joblib backend, a web server) drawing from them would change each other's
results. A fit therefore sets, for its thread (a context variable), one generator per
device type; training-time draws (augmentation, the reparameterisation noise of the
variational models, input corruption) take theirs with :func:`generator_for`. Outside a fit
(a module called by hand) it returns None: torch's global generator, as usual.

The only draws from the global generator left are those of ``torch.nn``'s layer
initialisation, which takes no generator; ``training.local_torch_seed`` serialises them.
"""

import contextlib
import contextvars

import torch

__all__ = ["fit_generators", "generator_for", "normal_like"]

_GENERATORS = contextvars.ContextVar("skdeepcluster_generators", default=None)


@contextlib.contextmanager
def fit_generators(seed, device):
    """Generators for the draws of one fit on ``device`` in this thread, seeded with ``seed``.

    Each gives the stream that torch's global generator of its device seeded with ``seed``
    would: a fit draws what it drew when it seeded the global generators, without them.

    Parameters
    ----------
    seed : int
    device : torch.device
    """
    generators = {"cpu": torch.Generator().manual_seed(seed)}
    if device.type != "cpu":
        generators[device.type] = torch.Generator(device=device).manual_seed(seed)
    token = _GENERATORS.set(generators)
    try:
        yield generators
    finally:
        _GENERATORS.reset(token)


def generator_for(device):
    """The current fit's generator for ``device``, or None outside a fit (global RNG)."""
    generators = _GENERATORS.get()
    return None if generators is None else generators.get(torch.device(device).type)


def normal_like(x):
    """Standard normal noise shaped like ``x``, from the current fit's generator."""
    return torch.randn(x.shape, generator=generator_for(x.device), dtype=x.dtype, device=x.device)
