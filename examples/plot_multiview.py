"""
Two views of the same samples
=============================

:class:`~skdeepcluster.DeepFusionGMM` clusters samples seen through several views: one
autoencoder per view, a common autoencoder over their codes, and a Gaussian mixture on the
fused code. Here the left and right halves of each digit play two views (4 of the 8 pixel
columns each). Each half alone is a weaker view of the digit than the two together.
"""

import matplotlib.pyplot as plt
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import AEGMM, DeepFusionGMM
from skdeepcluster.datasets import load_benchmark, make_multiview
from skdeepcluster.metrics import clustering_report

X, y = load_benchmark("digits")
images = MinMaxScaler().fit_transform(X).reshape(-1, 8, 8)
left = images[:, :, :4].reshape(-1, 32)
right = images[:, :, 4:].reshape(-1, 32)
X_two, views = make_multiview(left, right)  # views == [32, 32]

settings = dict(pretrain_epochs=30, random_state=0)
fusion = DeepFusionGMM(10, views=views, layerwise_epochs=5, max_epochs=30, **settings)
fusion.fit(X_two)
results = {
    "left half only": AEGMM(10, **settings).fit(left).labels_,
    "right half only": AEGMM(10, **settings).fit(right).labels_,
    "both, fused": fusion.labels_,
}
for name, labels in results.items():
    report = clustering_report(y, labels)
    print(f"{name:16s} ACC {report['accuracy']:.3f}  NMI {report['nmi']:.3f}")

# %%
# Each view's code and the fused code
# -----------------------------------
# ``view_transform`` gives each view's own code, ``transform`` the fused one.

codes = [*fusion.view_transform(X_two), fusion.transform(X_two)]
titles = ["left view's code", "right view's code", "fused code"]
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, code, title in zip(axes, codes, titles):
    points = PCA(2, random_state=0).fit_transform(code)
    ax.scatter(points[:, 0], points[:, 1], c=y, cmap="tab10", s=5)
    ax.set_title(f"{title} (true classes)")
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
