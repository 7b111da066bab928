"""Training data path: one tensor sliced by a seeded permutation, or a DataLoader fallback."""

import math
import warnings

import numpy as np
import torch
from torch.utils.data import Dataset

#: Fraction of the free device memory the training data may take before the loop falls back
#: from the in-memory path to a DataLoader that streams batches from host memory.
DEVICE_MEMORY_FRACTION = 0.5


class InMemoryDataset(Dataset):
    """Wrap one 2-D tensor ``X`` as a dataset of ``(x_i, i)`` pairs.

    In skorch's ``(X, y)`` batch convention the "target" is the sample index, so that a loss
    can look up per-sample state kept for the whole data set (e.g. DEC's target
    distribution) for the rows of its batch.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.training import InMemoryDataset
    >>> dataset = InMemoryDataset(torch.arange(6.0).reshape(3, 2))
    >>> len(dataset)
    3
    >>> dataset[2]
    (tensor([4., 5.]), 2)
    """

    def __init__(self, X):
        self.X = X

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], i


class DeviceBatchIterator:
    """Mini-batches ``(X[index], index)`` sliced out of a tensor by a seeded permutation.

    This is the fast path.
    skorch's default path indexes a ``Dataset`` row by row and collates the rows, at about
    10 µs per sample per epoch; slicing a tensor that already lives on the training device
    removes that cost. Each pass over the iterator draws a new permutation from
    ``generator``, never from the global random state.

    Parameters
    ----------
    dataset : InMemoryDataset
    batch_size : int
    shuffle : bool, default=True
    generator : torch.Generator or None, default=None
        A CPU generator; required when ``shuffle`` is true so that no global state is used.
    drop_last : bool, default=False
    shard : ProcessShard or None, default=None
        In a data-parallel fit, this process's share of every batch: the iterator then
        yields ``(X[share], share, weight)`` (see :meth:`ProcessShard.rows`). Every process
        draws the same permutation from the same seed.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.training import DeviceBatchIterator, InMemoryDataset
    >>> dataset = InMemoryDataset(torch.arange(10.0).reshape(5, 2))
    >>> [index.tolist() for _, index in DeviceBatchIterator(dataset, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> batches = DeviceBatchIterator(dataset, 2, generator=torch.Generator().manual_seed(0))
    >>> len(batches), sorted(i for _, index in batches for i in index.tolist())
    (3, [0, 1, 2, 3, 4])
    """

    def __init__(self, dataset, batch_size, shuffle=True, generator=None, drop_last=False,
                 shard=None):
        if shuffle and generator is None:
            raise ValueError("DeviceBatchIterator needs a generator to shuffle")
        self.X = dataset.X
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last
        self.shard = shard

    def __len__(self):
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.X.device)
        else:
            order = torch.arange(n, device=self.X.device)
        for b in range(len(self)):
            index = order[b * self.batch_size : (b + 1) * self.batch_size]
            if self.shard is None:
                yield self.X[index], index
            else:
                share, weight = self.shard.rows(index)
                yield self.X[share], share, weight


#: Rows converted at a time when training rows are not float32 already.
_CONVERT_ELEMENTS = 2**22


def training_tensor(X):
    """The validated training rows as a float32 CPU tensor, without a copy where possible.

    Float32 rows in C order (a ``numpy.memmap`` included) are shared, not copied: a
    memory-mapped array is then read batch by batch as training slices it, and the fit never
    holds a second copy of the rows. Other rows are converted into one float32 array a block
    at a time, so that no temporary of the input's size is formed. The training loop only
    reads the tensor (every batch is a copy of its rows), so the caller's array is never
    written to.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        float32 or float64 rows.

    Returns
    -------
    Tensor of shape (n_samples, n_features), float32, on the CPU

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster.training import training_tensor
    >>> X = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> training_tensor(X).data_ptr() == X.ctypes.data  # shared, not copied
    True
    >>> training_tensor(X.astype(np.float64)).dtype
    torch.float32
    """
    if X.dtype == np.float32 and X.flags.c_contiguous:
        with warnings.catch_warnings():
            # a read-only memory map: torch warns that it cannot mark the tensor read-only
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            return torch.from_numpy(np.asarray(X))
    out = np.empty(X.shape, dtype=np.float32)
    rows = max(1, _CONVERT_ELEMENTS // max(1, X.shape[1]))
    for start in range(0, len(X), rows):
        out[start : start + rows] = X[start : start + rows]
    return torch.from_numpy(out)


def _fits_on(device, nbytes):
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= DEVICE_MEMORY_FRACTION * free


def make_dataset(X, device, in_memory=None):
    """Wrap a float32 tensor for training; return ``(dataset, in_memory)``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features), on the CPU
    device : torch.device
    in_memory : bool or None, default=None
        Put the whole tensor on ``device`` and batch with :class:`DeviceBatchIterator`.
        None decides by size: always on the CPU, on a GPU when the data takes at most
        half of its free memory.
    """
    if in_memory is None:
        in_memory = _fits_on(device, X.element_size() * X.nelement())
    if in_memory:
        X = X.to(device)
    elif device.type == "cuda":
        X = X.pin_memory()
    return InMemoryDataset(X), in_memory
