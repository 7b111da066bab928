"""Inference outside skorch: direct, chunked, batch-invariant."""

import contextlib

import numpy as np
import torch

#: Rows per inference chunk. Every chunk is padded to exactly this many rows, so a sample's
#: result never depends on which other samples share its call (float32 matrix products give
#: results that differ in the last bits with the shape of the operands).
INFERENCE_CHUNK = 256


@contextlib.contextmanager
def evaluating(module):
    """Evaluation mode and no gradients for the block; ``module``'s mode is restored after."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        module.train(was_training)


def apply_in_chunks(fn, module, X, device, chunk_size=INFERENCE_CHUNK, with_count=False):
    """Apply ``fn(x_chunk)`` to ``X`` in fixed-size, zero-padded chunks without gradients.

    Parameters
    ----------
    fn : callable
        Maps a float32 tensor of shape (chunk_size, n_features) to a tensor, or a tuple of
        tensors, with one row per input row; with ``with_count``, ``fn(x_chunk, n)`` is also
        told how many leading rows are samples (the rest is padding).
    module : torch.nn.Module
        Put in evaluation mode for the call and restored afterwards.
    X : ndarray of shape (n_samples, n_features)
    device : torch.device
    chunk_size : int, default=INFERENCE_CHUNK
    with_count : bool, default=False

    Returns
    -------
    ndarray or tuple of ndarray
        float32 arrays with ``n_samples`` rows, matching the structure of ``fn``'s output.
    """
    n_samples = len(X)
    if not n_samples:
        raise ValueError("apply_in_chunks needs at least one sample")
    # every chunk's result is copied into arrays of all the rows, allocated at the first
    # chunk: no array a chunk stays alive, which would fragment the heap between the chunks'
    # temporaries (4 GiB held for the code of 10 million rows) and need a final concatenation
    result = None
    with evaluating(module):
        for start in range(0, n_samples, chunk_size):
            # float32 one chunk at a time: no float32 copy of the whole of a float64 X
            chunk = torch.from_numpy(np.array(X[start : start + chunk_size], dtype=np.float32))
            n = len(chunk)
            if n < chunk_size:
                chunk = torch.cat([chunk, chunk.new_zeros(chunk_size - n, chunk.shape[1])])
            out = fn(chunk.to(device), n) if with_count else fn(chunk.to(device))
            out = tuple(o[:n].detach().cpu().numpy() for o in (out if isinstance(out, tuple)
                                                                 else (out,)))
            if result is None:
                result = tuple(np.empty((n_samples, *o.shape[1:]), dtype=o.dtype) for o in out)
            for whole, part in zip(result, out):
                whole[start : start + n] = part
    return result if len(result) > 1 else result[0]
