"""
The training history
====================

Every fit records one entry per epoch of each training phase in ``history_``: its phase,
epoch, loss and duration. :class:`~skdeepcluster.IDEC` has two phases: the autoencoder's
pretraining, then the joint phase, whose loss is the self-training (KL) term plus the
reconstruction term. ``verbose=1`` would show the same losses as progress bars while the
model trains.
"""

import matplotlib.pyplot as plt
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import IDEC
from skdeepcluster.datasets import load_benchmark

X, y = load_benchmark("digits")
X = MinMaxScaler().fit_transform(X)

model = IDEC(10, pretrain_epochs=50, max_epochs=25, random_state=0).fit(X)

phases = {}
for record in model.history_:
    phases.setdefault(record["phase"], []).append(record["loss"])
for phase, losses in phases.items():
    seconds = sum(r["dur"] for r in model.history_ if r["phase"] == phase)
    print(f"{phase}: {len(losses)} epochs, {seconds:.1f} s, last loss {losses[-1]:.4f}")

fig, axes = plt.subplots(1, len(phases), figsize=(4.5 * len(phases), 3.5))
for ax, (phase, losses) in zip(axes, phases.items()):
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_title(phase)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
fig.tight_layout()
plt.show()
