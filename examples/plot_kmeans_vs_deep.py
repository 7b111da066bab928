"""
KMeans against a deep model on digits
=====================================

Swap :class:`~sklearn.cluster.KMeans` for :class:`~skdeepcluster.AEGMM` in a pipeline and
compare the two partitions of scikit-learn's digits. AEGMM trains an autoencoder and fits a
Gaussian mixture to its 10-dimensional code; the pictures show a 2-D PCA of what each model
clusters (the pixels, the code), coloured by the model's labels.

Both models run at their defaults (the autoencoder trains for 200 epochs, about half a
minute on a CPU). Labels only score the result; nothing is chosen with them. One seed says
little: over 5 seeds AEGMM scores 0.851 ± 0.025 ACC here and KMeans 0.793 ± 0.002 (the
results summary, "Digits at the defaults").
"""

import matplotlib.pyplot as plt
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdeepcluster import AEGMM
from skdeepcluster.datasets import load_benchmark
from skdeepcluster.metrics import clustering_report

X, y = load_benchmark("digits")

kmeans = make_pipeline(MinMaxScaler(), KMeans(n_clusters=10, n_init=10, random_state=0))
deep = make_pipeline(MinMaxScaler(), AEGMM(n_clusters=10, random_state=0))
kmeans_labels = kmeans.fit_predict(X)
deep_labels = deep.fit_predict(X)

for name, labels in [("KMeans", kmeans_labels), ("AEGMM", deep_labels)]:
    report = clustering_report(y, labels)
    print(f"{name:7s} ACC {report['accuracy']:.3f}  NMI {report['nmi']:.3f}")

# %%
# What each model clusters, in two dimensions
# -------------------------------------------
# ``deep.transform`` gives the autoencoder's code: the space the mixture is fitted in.

pixels_2d = PCA(2, random_state=0).fit_transform(kmeans[0].transform(X))
code_2d = PCA(2, random_state=0).fit_transform(deep.transform(X))

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, points, labels, title in [
    (axes[0], pixels_2d, kmeans_labels, "KMeans on the pixels"),
    (axes[1], code_2d, deep_labels, "AEGMM on its code"),
]:
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=6)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
