"""
Generating digits with VaDE
===========================

:class:`~skdeepcluster.VaDE` is a variational autoencoder whose prior is a Gaussian
mixture, so it can draw new rows from a chosen cluster: ``sample`` draws a component, a code
from that component's Gaussian, and decodes it. Digits are pixels in [0, 1], so the decoder
models them as Bernoulli, as the paper does: the default ``reconstruction="auto"`` picks
that likelihood for data in [0, 1] (``reconstruction_`` is ``"bce"``).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import VaDE
from skdeepcluster.datasets import load_benchmark

X, y = load_benchmark("digits")
X = MinMaxScaler().fit_transform(X)

model = VaDE(10, pretrain_epochs=50, max_epochs=25, random_state=0)
model.fit(X)
print(f"ELBO per sample: {model.score(X):.2f} nats")

samples, components = model.sample(400)

# %%
# Six samples of each cluster
# ---------------------------
# One row per mixture component, in the order of the components.

fig, axes = plt.subplots(10, 6, figsize=(4.5, 7.5))
for k in range(10):
    drawn = samples[components == k][:6]
    for j, ax in enumerate(axes[k]):
        if j < len(drawn):
            ax.imshow(drawn[j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
fig.suptitle("VaDE samples, one row per cluster")
fig.tight_layout()
plt.show()

# %%
# The mixing weights the samples were drawn with:

print(np.round(model.weights_, 3))
