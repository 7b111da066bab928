"""
Choosing the number of clusters without labels
==============================================

:class:`~skdeepcluster.AEGMM`'s ``bic`` is its mixture's Bayesian information criterion on
the code. With a fixed ``random_state`` the autoencoder does not depend on ``n_clusters``,
so every candidate is a mixture on one and the same code, and BIC compares them fairly.
``GridSearchCV(AEGMM(...), {"n_clusters": [...]}, scoring=lambda m, X, y=None: -m.bic(X))``
does this with refits; here the autoencoder is trained once, and the candidate mixtures
(:class:`~skdeepcluster.TorchGaussianMixture`, the mixture AEGMM uses, with its settings)
are fitted to its code. BIC asks how well a mixture describes the code's density, not how
well it matches the classes: it may well prefer another number than the ten digits.
"""

import matplotlib.pyplot as plt
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import AEGMM, TorchGaussianMixture
from skdeepcluster.datasets import load_benchmark

X, y = load_benchmark("digits")
X = MinMaxScaler().fit_transform(X)

model = AEGMM(n_clusters=10, pretrain_epochs=50, random_state=0).fit(X)
code = model.transform(X)

candidates = list(range(4, 17))
bic = []
for k in candidates:
    mixture = TorchGaussianMixture(k, covariance_type=model.covariance_type, n_init=3,
                                   random_state=0).fit(code)
    bic.append(mixture.bic(code))
best = candidates[bic.index(min(bic))]
print(f"BIC chooses {best} clusters (the digits have 10 classes)")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(candidates, bic, marker="o")
ax.axvline(best, color="grey", linestyle="--")
ax.set_xlabel("n_clusters")
ax.set_ylabel("BIC on the code (lower is better)")
ax.set_title("AEGMM's code, one mixture per n_clusters")
fig.tight_layout()
plt.show()
