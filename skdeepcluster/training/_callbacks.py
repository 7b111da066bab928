"""Progress output for the training loop (``verbose=1`` bars, ``verbose=2`` lines)."""

import sys

from skorch.callbacks import Callback
from tqdm.auto import tqdm


class PhaseProgress(Callback):
    """One progress bar per training phase, advanced each epoch, showing the loss.

    Parameters
    ----------
    phase : str
        Label of the bar (``"pretrain"``, ``"fine-tune"``...).
    file : file-like, default=None
        Where the bar is drawn; standard error by default.
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
