"""Local seeding: torch's global random state is the same after a fit as before it."""

import contextlib

import torch


@contextlib.contextmanager
def local_torch_seed(seed, device):
    """Seed torch for the body of the ``with`` block and restore the global state after it.

    Layer initialisation in ``torch.nn`` draws from the global generator and accepts no
    other; running it under :func:`torch.random.fork_rng` keeps that draw reproducible
    (seeded from ``seed``) without leaving a trace on the caller's random state.

    Parameters
    ----------
    seed : int
    device : torch.device
        The CUDA device whose generator is forked too, when it is one.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, device_type="cuda"):
        torch.manual_seed(seed)
        yield
