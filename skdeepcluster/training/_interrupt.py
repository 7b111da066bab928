"""Ctrl-C during a fit: stop training, keep what was trained, finish the fit.

skorch ends a training phase on any ``KeyboardInterrupt`` raised in its loop, whether the
user pressed Ctrl-C or a callback ended the phase early (skorch's ``EarlyStopping`` and our
``TargetRefresh`` raise it). To tell them apart, a fit installs, for its duration, a SIGINT
handler that marks the fit's :class:`Interruption` before raising the interrupt as Python's
own handler does. A phase that ends on an interrupt while that mark is set was stopped by the
user: the remaining phases do not train, and the fit completes from the network as it is.
An interrupt anywhere else (or a second one after training stopped) aborts the fit.
"""

import contextlib
import signal
import threading
import warnings

__all__ = ["FitInterruptedWarning", "Interruption", "catch_interrupt"]


class FitInterruptedWarning(UserWarning):
    """A fit was interrupted by the user (Ctrl-C) while training and finished without it.

    Examples
    --------
    >>> import warnings
    >>> from skdeepcluster.training import FitInterruptedWarning, Interruption
    >>> issubclass(FitInterruptedWarning, UserWarning)
    True
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Interruption.stopped("cluster", 2, 50)
    >>> caught[0].category is FitInterruptedWarning
    True
    """


class Interruption:
    """Shared by the training phases of one fit: whether the user interrupted it.

    Attributes
    ----------
    requested : bool
        A SIGINT arrived while the fit ran. The phase it reached calls :meth:`stopped`;
        every later phase sees the flag and does not train.

    Examples
    --------
    >>> from skdeepcluster.training import Interruption, catch_interrupt
    >>> interruption = Interruption()
    >>> with catch_interrupt(interruption):
    ...     pass  # train here: Ctrl-C would set the flag
    >>> interruption.requested
    False
    """

    def __init__(self):
        self.requested = False

    @staticmethod
    def stopped(phase, epochs, max_epochs):
        """Warn that ``phase`` ended on the user's interrupt after ``epochs`` epochs."""
        warnings.warn(
            f"Training was interrupted (Ctrl-C) in the {phase!r} phase after {epochs} of "
            f"{max_epochs} epochs. The fit goes on without further training, from the "
            "network as it is now; interrupt again to abort it and keep the previous state.",
            FitInterruptedWarning, stacklevel=2,
        )


@contextlib.contextmanager
def catch_interrupt(interruption):
    """Mark ``interruption`` when SIGINT arrives during the block (main thread only).

    The handler that was installed before runs as it would have (Python's default raises
    ``KeyboardInterrupt``) and is restored after the block. Outside the main thread no
    signal reaches the fit, and nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield interruption
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:  # the user (or a parent process) ignores Ctrl-C
        yield interruption
        return

    def handler(signum, frame):
        interruption.requested = True
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL or a handler installed outside Python
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield interruption
    finally:
        signal.signal(signal.SIGINT, previous)
