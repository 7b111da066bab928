"""Dissimilarity mixture (DMM) and the dissimilarity mixture autoencoder (DMAE)."""

import torch
from torch import nn

from ..functional import assigned_dissimilarity, pairwise_dissimilarity, reconstruction_loss


class DissimilarityMixture(nn.Module):
    """A mixture whose components are defined by a dissimilarity (DMAE's DM encoder/decoder).

    The soft assignment of a sample ``h`` is ``s = softmax(-alpha * d(h, theta) + phi)``
    (Lara and Gonzalez, Eq. 15), with ``theta_k`` the cluster parameters (a centre, plus an
    inverse-covariance factor for mahalanobis) and ``phi_k = log(pi_k * b_k)``: the log
    mixing weight plus, for mahalanobis, the log normaliser of the cluster's likelihood.
    The DM decoder turns ``s`` back into the soft-assigned parameters
    ``theta~ = sum_k s_k theta_k`` (Eq. 16).

    Parameters
    ----------
    n_features : int
        Width of the samples ``h``.
    n_clusters : int
    dissimilarity : str or callable, default="euclidean"
        A key of :data:`skdeepcluster.functional.DISSIMILARITIES` or a callable
        ``d(x, centers, **params) -> (n_samples, n_clusters)``.
    alpha : float, default=1.0
        Softmax inverse temperature.
    params : dict or None, default=None
        Fixed parameters of the dissimilarity (``p``, ``period``).

    Attributes
    ----------
    centers : Parameter of shape (n_clusters, n_features)
    mixing_logits : Parameter of shape (n_clusters,)
        ``phi = log_softmax(mixing_logits)``: the mixing weights stay a distribution, so
        that the ``-phi~`` term of the loss is bounded below.
    factors : Parameter of shape (n_clusters, n_features, n_features)
        Only for mahalanobis: ``A_k = factors[k] @ factors[k].T``.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import DissimilarityMixture
    >>> mixture = DissimilarityMixture(n_features=2, n_clusters=3)
    >>> h = torch.zeros(5, 2)
    >>> s = mixture(h)
    >>> tuple(s.shape), bool(torch.allclose(s.sum(dim=1), torch.ones(5)))
    ((5, 3), True)
    >>> tuple(mixture.clustering_loss(h, s).shape)
    (5,)
    """

    def __init__(self, n_features, n_clusters, dissimilarity="euclidean", alpha=1.0, params=None):
        super().__init__()
        self.centers = nn.Parameter(torch.zeros(n_clusters, n_features))
        self.mixing_logits = nn.Parameter(torch.zeros(n_clusters))
        if dissimilarity == "mahalanobis":
            self.factors = nn.Parameter(torch.eye(n_features).repeat(n_clusters, 1, 1))
        self.dissimilarity = dissimilarity
        self.alpha = alpha
        self.params = dict(params or {})

    def _params(self):
        if self.dissimilarity == "mahalanobis":
            return {**self.params, "factors": self.factors}
        return self.params

    def log_mixing(self):
        """Log mixing weights ``log(pi)``, shape (n_clusters,)."""
        return torch.log_softmax(self.mixing_logits, dim=0)

    def log_normalizer(self):
        """``log(b_k)`` up to a constant, shape (n_clusters,): zero but for mahalanobis.

        The likelihood ``exp(-alpha * d(x, theta_k)) * b_k`` integrates to one for
        ``b_k`` proportional to ``det(A_k) ** 0.5`` with the mahalanobis dissimilarity.
        Without it the loss would fall by shrinking every ``A_k`` towards zero, which makes
        all distances vanish and the clusters merge.
        """
        if self.dissimilarity != "mahalanobis":
            return self.mixing_logits.new_zeros(self.mixing_logits.shape)
        return torch.linalg.slogdet(self.factors).logabsdet

    def phi(self):
        """``phi_k = log(pi_k * b_k)`` (Eq. 3), shape (n_clusters,)."""
        return self.log_mixing() + self.log_normalizer()

    def distances(self, h):
        """Dissimilarity of each sample to each cluster, shape (n_samples, n_clusters)."""
        return pairwise_dissimilarity(self.dissimilarity, h, self.centers, **self._params())

    def forward(self, h, phi=None):
        """Soft assignments ``s`` of a batch, shape (n_samples, n_clusters).

        ``phi``: :meth:`phi`, computed once by the caller (inference over many batches,
        and the ONNX graph, which has no log-determinant); None computes it here.
        """
        phi = self.phi() if phi is None else phi
        return torch.softmax(-self.alpha * self.distances(h) + phi, dim=1)

    def clustering_loss(self, h, s):
        """Per-sample loss ``d(h, theta~) - phi~ / alpha`` (Eqs. 12 and 18), shape (n_samples,).

        The negative of the lower bound on the complete log-likelihood, divided by
        ``alpha`` as in the reference code. In the term ``phi~ = s @ phi`` the
        assignments ``s`` are held fixed (no gradient), as in EM's M-step, whose update of
        the weights is then their mean assignment. Left free, that term would reward
        assigning every sample to the heaviest cluster (its minimum over ``s`` is the
        entropy of the weights), which empties the other clusters when ``alpha * d`` is
        small.
        """
        distortion = assigned_dissimilarity(
            self.dissimilarity, h, self.centers, s, **self._params()
        )
        return distortion - s.detach() @ self.phi() / self.alpha


class MixtureLoss(nn.Module):
    """Mean clustering loss of a :class:`DissimilarityMixture` (the shallow DMM's loss).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import DissimilarityMixture, MixtureLoss
    >>> mixture = DissimilarityMixture(n_features=2, n_clusters=3)
    >>> X = torch.zeros(5, 2)
    >>> loss = MixtureLoss(mixture)(mixture(X), X, torch.arange(5))
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, mixture):
        super().__init__()
        self.mixture = mixture

    def forward(self, output, X, index):
        return self.mixture.clustering_loss(X, output).mean()


class DMAEModule(nn.Module):
    """Deep encoder -> DM encoder -> DM decoder -> deep decoder (DMAE, Fig. 1).

    The deep decoder reconstructs the input from the soft-assigned centre
    ``theta~ = s @ centers`` rather than from the code itself (Eq. 17), so reconstruction
    pulls the centres towards what the decoder can turn back into data.

    Parameters
    ----------
    autoencoder : MLPAutoencoder
    mixture : DissimilarityMixture
        On the autoencoder's code.

    Forward returns ``(code, s, reconstruction)``.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import DissimilarityMixture, DMAEModule, MLPAutoencoder
    >>> autoencoder = MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2)
    >>> model = DMAEModule(autoencoder, DissimilarityMixture(n_features=2, n_clusters=3))
    >>> code, s, reconstruction = model(torch.zeros(4, 6))
    >>> tuple(code.shape), tuple(s.shape), tuple(reconstruction.shape)
    ((4, 2), (4, 3), (4, 6))
    """

    def __init__(self, autoencoder, mixture):
        super().__init__()
        self.autoencoder = autoencoder
        self.mixture = mixture

    def forward(self, x):
        h = self.autoencoder.encode(x)
        s = self.mixture(h)
        return h, s, self.autoencoder.decode(s @ self.mixture.centers)


class DMAELoss(nn.Module):
    """``lambda_r * L_r + lambda_c * L_c`` (Eq. 18), each term a mean over the batch.

    ``L_r`` is the reconstruction loss per element (``"mse"`` or ``"bce"``), ``L_c`` the
    mixture's clustering loss per sample.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import DissimilarityMixture, DMAELoss, DMAEModule, MLPAutoencoder
    >>> mixture = DissimilarityMixture(n_features=2, n_clusters=3)
    >>> model = DMAEModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), mixture)
    >>> X = torch.zeros(4, 6)
    >>> loss = DMAELoss(mixture, lambda_r=1.0, lambda_c=0.5)(model(X), X, torch.arange(4))
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, mixture, lambda_r=1.0, lambda_c=1.0, reconstruction="mse"):
        super().__init__()
        self.mixture = mixture
        self.lambda_r = lambda_r
        self.lambda_c = lambda_c
        self.reconstruction = reconstruction

    def forward(self, output, X, index):
        h, s, x_hat = output
        loss = self.lambda_c * self.mixture.clustering_loss(h, s).mean()
        if self.lambda_r:
            loss = loss + self.lambda_r * reconstruction_loss(x_hat, X, self.reconstruction)
        return loss
