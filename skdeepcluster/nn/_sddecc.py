"""SDDECC: a variational (convolutional) encoder with mutual-information critics, fused into a
GCN, clustered through a Gaussian-mixture KL."""

import torch
from torch import nn

from .._rng import generator_for, normal_like
from ..functional import (
    cluster_gaussian_kl,
    jsd_mutual_information_loss,
    reconstruction_loss,
    standard_normal_kl,
    squared_euclidean,
)
from ._gcn import GCNFusion
from ._vade import LOG_VAR_RANGE

#: Hidden width of the two mutual-information critics.
CRITIC_WIDTH = 64


class SDDECCModule(GCNFusion):
    """SDDECC's network (Fu et al., 2021): encoder ``q(z|x)``, decoder, critics, GCN.

    - The autoencoder's code layer gives the posterior mean ``mu``; a second head on the
      feature map ``C`` before it gives ``log sigma^2``, and ``z = mu + sigma * eps`` in
      training mode (``z = mu`` in evaluation mode). The decoder reconstructs from ``z``.
    - Two critics score (input, code) pairs for the Jensen-Shannon mutual-information bound:
      the global critic an MLP on ``[flatten(C), z]``, the local critic three 1x1
      convolutions on ``C`` concatenated with ``z`` broadcast over its ``M x M`` positions
      (for an MLP autoencoder ``C`` is the last hidden layer, a 1x1 map). Negatives pair
      each ``C`` with the ``z`` of another sample of the batch (a random permutation).
    - With ``use_gcn``, the :class:`GCNFusion` of the encoder gives the cluster posterior
      ``y = p(y|z)`` (softmax of its last layer) on the training graph; otherwise
      ``gcn_layers`` is None and ``y`` is the posterior of ``z`` under
      ``q(z|y) = N(mu_y, I)`` with uniform ``q(y)``.
    - ``cluster_means`` are the ``mu_y`` and ``cluster_log_var`` the log-variance shared by
      the clusters (a parameter with ``learn_variance``, else a buffer fixed at 0: the
      paper's unit variance); ``clustering`` is False during pretraining (no ``y``) and
      set True once the clusters are initialised.

    Parameters
    ----------
    autoencoder : MLPAutoencoder or ConvAutoencoder
    n_features : int
    n_clusters : int
    delta : float, default=0.5
    activation : str, default="relu"
    use_mi : bool, default=True
    use_gcn : bool, default=True
    learn_variance : bool, default=False

    Forward returns ``(mu, log_var, z, reconstruction, mi_loss, y)``; ``mi_loss`` is the
    negated bound (global plus mean local; 0 without ``use_mi``) and ``y`` is None while
    not ``clustering``.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SDDECCModule
    >>> model = SDDECCModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), 6, n_clusters=3)
    >>> X = torch.zeros(5, 6)
    >>> model.set_graph(X, torch.eye(5).to_sparse())  # usually a kNN graph of X
    >>> model.clustering = True
    >>> mu, log_var, z, reconstruction, mi_loss, y = model.eval()(X)
    >>> tuple(z.shape), tuple(reconstruction.shape), mi_loss.shape, tuple(y.shape)
    ((5, 2), (5, 6), torch.Size([]), (5, 3))
    """

    def __init__(self, autoencoder, n_features, n_clusters, delta=0.5, activation="relu",
                 use_mi=True, use_gcn=True, learn_variance=False):
        super().__init__(autoencoder, n_features, n_clusters, delta, activation)
        with torch.no_grad():
            x = torch.zeros(1, n_features)
            feature_map = self._feature_map(x, self._raw_encoder_outputs(x))
        channels, latent_dim = feature_map.shape[1], self.gcn_layers[-1].weight.shape[0]
        n_flat = feature_map[0].numel()
        self.log_var_head = nn.Sequential(nn.Flatten(), nn.Linear(n_flat, latent_dim))
        self.global_critic = nn.Sequential(
            nn.Linear(n_flat + latent_dim, CRITIC_WIDTH), nn.ReLU(),
            nn.Linear(CRITIC_WIDTH, CRITIC_WIDTH), nn.ReLU(), nn.Linear(CRITIC_WIDTH, 1),
        ) if use_mi else None
        self.local_critic = nn.Sequential(
            nn.Conv2d(channels + latent_dim, CRITIC_WIDTH, 1), nn.ReLU(),
            nn.Conv2d(CRITIC_WIDTH, CRITIC_WIDTH, 1), nn.ReLU(), nn.Conv2d(CRITIC_WIDTH, 1, 1),
        ) if use_mi else None
        self.cluster_means = nn.Parameter(torch.zeros(n_clusters, latent_dim))
        if learn_variance:
            self.cluster_log_var = nn.Parameter(torch.zeros(()))
        else:
            self.register_buffer("cluster_log_var", torch.zeros(()))
        self.use_gcn = use_gcn
        if not use_gcn:  # the GCN's widths are known; its weights would never train
            self.gcn_layers = None
        self.clustering = False

    def _feature_map(self, x, raw_outputs):
        """``C``: the encoder's output before the code layer (``raw_outputs`` are those of
        every encoder layer on ``x``), as (n, channels, M, M)."""
        hidden = raw_outputs[-2] if len(raw_outputs) > 1 else x
        if hidden.dim() == 2:  # an MLP layer, or the raw rows: a 1x1 map
            hidden = hidden[:, :, None, None]
        return hidden

    def gaussian_posterior(self, code):
        """``p(y|z)`` under ``q(z|y) = N(mu_y, s^2 I)`` and uniform ``q(y)``."""
        # the explicit difference, not cdist: exact, and ONNX has no cdist
        squared = squared_euclidean(code, self.cluster_means)
        return torch.softmax(-0.5 * squared * torch.exp(-self.cluster_log_var), dim=1)

    def _mi_loss(self, feature_map, z):
        order = torch.randperm(len(z), generator=generator_for(z.device), device=z.device)
        negatives = z[order]
        flat = feature_map.flatten(1)
        scores = [self.global_critic(torch.cat([flat, code], dim=1)) for code in (z, negatives)]
        loss = jsd_mutual_information_loss(*scores)
        size = feature_map.shape[2:]
        local = [
            self.local_critic(
                torch.cat([feature_map, code[:, :, None, None].expand(-1, -1, *size)], dim=1)
            )
            for code in (z, negatives)
        ]
        return loss + jsd_mutual_information_loss(*local)

    def forward(self, x):
        # the encoder sees the corrupted input while training (a denoising autoencoder with
        # ``dropout``); the GCN's first layer and the reconstruction target see ``x``
        corrupted = self.autoencoder.corruption(x)
        raw = self._raw_encoder_outputs(corrupted)
        feature_map = self._feature_map(corrupted, raw)
        mu = raw[-1]
        log_var = self.log_var_head(feature_map).clamp(*LOG_VAR_RANGE)
        z = mu + normal_like(mu) * (0.5 * log_var).exp() if self.training else mu
        mi_loss = z.new_zeros(()) if self.global_critic is None else self._mi_loss(feature_map, z)
        y = None
        if self.clustering:
            if self.use_gcn:
                logits = self.gcn_logits(x, [out.flatten(1) for out in raw])
                y = torch.softmax(logits, dim=1)
            else:
                y = self.gaussian_posterior(z)
        return mu, log_var, z, self.autoencoder.decode(z), mi_loss, y


class SDDECCLoss(nn.Module):
    """SDDECC's objective (Eqs. 12, 13 and 19), per sample, averaged over the batch.

    ``0.5 * ||x - x_hat||^2 (or the summed cross-entropy) + lambda_1 * mi_loss + lambda_2 * K``
    where ``K`` is ``KL(q(z|x) || N(0, I))`` before the clusters exist (the prior
    constraint) and the clustering KL ``KL(p(z, y|x) || q(z, y))`` after (Eq. 18).

    Parameters
    ----------
    module : SDDECCModule
        Holds the cluster means ``mu_y`` of the clustering KL.
    lambda_1 : float, default=0.01
    lambda_2 : float, default=1.0
    reconstruction : {"mse", "bce"}, default="mse"

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SDDECCLoss, SDDECCModule
    >>> autoencoder = MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2)
    >>> model = SDDECCModule(autoencoder, 6, n_clusters=3, use_mi=False, use_gcn=False).eval()
    >>> X = torch.zeros(4, 6)
    >>> loss = SDDECCLoss(model)(model(X), X)  # pretraining: prior constraint, no clusters yet
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, module, lambda_1=0.01, lambda_2=1.0, reconstruction="mse"):
        super().__init__()
        self.module = module
        self.lambda_1 = lambda_1
        self.lambda_2 = lambda_2
        self.reconstruction = reconstruction

    def forward(self, output, X, index=None):
        mu, log_var, z, x_hat, mi_loss, y = output
        scale = 0.5 if self.reconstruction == "mse" else 1.0
        loss = scale * reconstruction_loss(x_hat, X, self.reconstruction, reduction="none").sum(1)
        if y is None:
            kl = standard_normal_kl(mu, log_var)
        else:
            kl = cluster_gaussian_kl(
                z, log_var, y, self.module.cluster_means, self.module.cluster_log_var
            )
        return (loss + self.lambda_2 * kl).mean() + self.lambda_1 * mi_loss


class GCNWarmStart(nn.Module):
    """The GCN of an :class:`SDDECCModule` on its encoder's fixed outputs (a warm start).

    Forward maps the training data, in node order, to the GCN's cluster posterior ``y``.
    The encoder outputs of the training graph are given, computed without gradients, so
    gradients reach the GCN layers only: training this module fits the GCN, in place, with
    the encoder and the cluster means fixed.

    Parameters
    ----------
    module : SDDECCModule
        With its graph set (``set_graph``).
    encoder_outputs : list of Tensor
        ``module._encoder_outputs(module.train_X)`` in evaluation mode, without gradients.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import GCNWarmStart, MLPAutoencoder, SDDECCModule
    >>> module = SDDECCModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), 6, n_clusters=3)
    >>> X = torch.zeros(5, 6)
    >>> module.eval().set_graph(X, torch.eye(5).to_sparse())
    >>> with torch.no_grad():
    ...     warm_start = GCNWarmStart(module, module._encoder_outputs(X))
    >>> y = warm_start(X)
    >>> tuple(y.shape), tuple(warm_start.code.shape)
    ((5, 3), (5, 2))
    """

    def __init__(self, module, encoder_outputs):
        super().__init__()
        self.module = module
        self.encoder_outputs = encoder_outputs

    @property
    def code(self):
        """The (fixed) code of every training node."""
        return self.encoder_outputs[-1]

    def forward(self, x):
        return torch.softmax(self.module.gcn_logits(x, self.encoder_outputs), dim=1)


class GCNWarmStartLoss(nn.Module):
    """SDDECC's clustering KL (Eq. 18) as a function of ``y`` alone (a :class:`GCNWarmStart`).

    ``sum_k y_k (0.5 ||z - mu_k||^2 + log(K y_k))`` (minus a constant) with the code ``z``
    and the means fixed: up to a constant, ``KL(y || p(y|z))`` with ``p(y|z)`` the
    Gaussian posterior of the code (:meth:`SDDECCModule.gaussian_posterior`), so the GCN
    learns to predict the clusters the code is initialised with.

    Parameters
    ----------
    warm_start : GCNWarmStart

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import GCNWarmStart, GCNWarmStartLoss, MLPAutoencoder, SDDECCModule
    >>> module = SDDECCModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), 6, n_clusters=3)
    >>> X = torch.zeros(5, 6)
    >>> module.eval().set_graph(X, torch.eye(5).to_sparse())
    >>> with torch.no_grad():
    ...     warm_start = GCNWarmStart(module, module._encoder_outputs(X))
    >>> loss = GCNWarmStartLoss(warm_start)(warm_start(X), X, torch.arange(5))
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, warm_start):
        super().__init__()
        self.warm_start = warm_start

    def forward(self, y, X, index):
        code = self.warm_start.code[index.to(y.device)]
        module = self.warm_start.module
        return cluster_gaussian_kl(
            code, torch.zeros_like(code), y, module.cluster_means.detach(),
            module.cluster_log_var.detach(),
        ).mean()
