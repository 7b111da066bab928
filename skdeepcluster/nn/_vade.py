"""VaDE: a variational autoencoder with a Gaussian-mixture prior on its code."""

import math

import torch
from torch import nn

from .._rng import normal_like
from ..functional import prior_responsibilities, vade_elbo, wasserstein_similarity_loss

#: Range of the log-variances (encoder and prior): exp() of them stays finite in float32
#: and no variance collapses to zero, a known cause of NaN in VaDE ports.
LOG_VAR_RANGE = (-15.0, 15.0)


class GaussianMixturePrior(nn.Module):
    """``p(c) = pi``, ``p(z|c) = N(mu_c, diag(sigma_c^2))`` with learnable parameters.

    Parameters
    ----------
    n_clusters : int
    latent_dim : int

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import GaussianMixturePrior
    >>> prior = GaussianMixturePrior(n_clusters=3, latent_dim=2)
    >>> log_p = prior.responsibilities(torch.zeros(4, 2))
    >>> tuple(log_p.shape), bool(torch.allclose(log_p.exp().sum(dim=1), torch.ones(4)))
    ((4, 3), True)
    """

    def __init__(self, n_clusters, latent_dim):
        super().__init__()
        self.weight_logits = nn.Parameter(torch.zeros(n_clusters))
        self.means = nn.Parameter(torch.zeros(n_clusters, latent_dim))
        self.raw_log_vars = nn.Parameter(torch.zeros(n_clusters, latent_dim))

    def log_weights(self):
        """``log pi``, shape (n_clusters,)."""
        return torch.log_softmax(self.weight_logits, dim=0)

    def log_vars(self):
        """Log variances, shape (n_clusters, latent_dim), within :data:`LOG_VAR_RANGE`."""
        return self.raw_log_vars.clamp(*LOG_VAR_RANGE)

    def parameters_for_elbo(self):
        """``(log_weights, means, log_vars)`` as the functional ELBO takes them."""
        return self.log_weights(), self.means, self.log_vars()

    def responsibilities(self, z):
        """``log p(c|z)``, shape (n_samples, n_clusters)."""
        return prior_responsibilities(z, *self.parameters_for_elbo())


class Standardize(nn.Module):
    """``(x - loc) / scale`` with fixed (non-trained) ``loc`` and ``scale`` buffers.

    Parameters
    ----------
    n_features : int

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import Standardize
    >>> x = torch.tensor([[0.0, 10.0], [2.0, 10.0], [4.0, 10.0]])
    >>> Standardize(2).fit(x)(x)
    tensor([[-1.,  0.],
            [ 0.,  0.],
            [ 1.,  0.]])
    """

    def __init__(self, n_features):
        super().__init__()
        self.register_buffer("loc", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))

    def fit(self, x):
        """Set ``loc`` and ``scale`` to the mean and standard deviation of ``x``."""
        with torch.no_grad():
            self.loc.copy_(x.mean(dim=0))
            self.scale.copy_(x.std(dim=0).clamp_min(torch.finfo(x.dtype).eps))
        return self

    def forward(self, x):
        return (x - self.loc) / self.scale


def cluster_classifier(latent_dim, n_clusters):
    """DVAE's classifier: from a code ``z`` to the logits of the cluster posterior.

    An ``L-C`` network, or ``L-C-C`` when C < 10.

    Ma (2022) uses a 10-C network for ten clusters and 10-C-C for fewer; the extra hidden
    layer (ReLU) gives a small number of clusters a non-linear boundary. A fixed
    :class:`Standardize` layer comes first (index 0; set it from the codes with ``fit``),
    so that training on pseudo-labels does not depend on the scale of the code.
    """
    if n_clusters >= 10:
        layers = [nn.Linear(latent_dim, n_clusters)]
    else:
        layers = [nn.Linear(latent_dim, n_clusters), nn.ReLU(), nn.Linear(n_clusters, n_clusters)]
    return nn.Sequential(Standardize(latent_dim), *layers)


def initialize_classifier(classifier, z, labels):
    """Start a :func:`cluster_classifier` at the linear discriminant of pseudo-labels.

    Its :class:`Standardize` layer is fitted to ``z``; its logits are set to those of a
    Gaussian model of the labelled clusters with a shared diagonal covariance (linear
    discriminant analysis) in the standardised code, which already classifies well
    separated pseudo-labels. With the ``L-C-C`` network, the first layer gives the
    discriminants shifted to be positive on ``z`` (so the ReLU passes them) and the second
    removes the shift. Training on the pseudo-labels then refines it: from a random start
    Adam needs thousands of steps to reach confident logits.

    Parameters
    ----------
    classifier : nn.Sequential
        As returned by :func:`cluster_classifier`.
    z : Tensor of shape (n_samples, latent_dim)
    labels : Tensor of shape (n_samples,), int64
        Pseudo-labels in ``0 .. n_clusters - 1``, every class present.
    """
    standardize, *layers = classifier
    linear = [layer for layer in layers if isinstance(layer, nn.Linear)]
    with torch.no_grad():
        u = standardize.fit(z)(z)
        n_clusters = linear[-1].out_features
        one_hot = nn.functional.one_hot(labels, n_clusters).to(u.dtype)
        counts = one_hot.sum(dim=0).clamp_min(1.0)
        means = one_hot.T @ u / counts.unsqueeze(1)
        variance = (u - means[labels]).pow(2).mean(dim=0).clamp_min(1e-6)
        weight = means / variance
        bias = -0.5 * (means.pow(2) / variance).sum(dim=1) + (counts / len(u)).log()
        if len(linear) == 1:
            linear[0].weight.copy_(weight)
            linear[0].bias.copy_(bias)
            return classifier
        first, second = linear
        shift = (-(u @ weight.T + bias).min()).clamp_min(0.0) + 1.0
        first.weight.copy_(weight)
        first.bias.copy_(bias + shift)
        second.weight.copy_(torch.eye(n_clusters, dtype=u.dtype))
        second.bias.fill_(-float(shift))
    return classifier


class PseudoLabelLoss(nn.Module):
    """Cross-entropy of a classifier's logits against fixed pseudo-labels, read by index.

    Parameters
    ----------
    labels : Tensor of shape (n_samples,), int64
        Pseudo-label of every training sample (e.g. from k-means).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import PseudoLabelLoss
    >>> criterion = PseudoLabelLoss(torch.tensor([0, 1, 1, 0]))  # e.g. k-means labels
    >>> logits = torch.tensor([[0.0, -100.0], [-100.0, 0.0]])  # confident and right
    >>> bool(criterion(logits, None, torch.tensor([0, 2])) == 0)
    True
    """

    def __init__(self, labels):
        super().__init__()
        self.register_buffer("labels", labels)

    def forward(self, logits, X, index):
        return nn.functional.cross_entropy(logits, self.labels[index.to(self.labels.device)])


class VaDEModule(nn.Module):
    """Encoder ``x -> (mu, log sigma^2)``, decoder ``z -> x``, a mixture prior on ``z`` and,
    for DVAE, a classifier ``z -> q(c|z)``.

    The encoder is ``autoencoder``'s, with a second head for the log-variance on its last
    hidden layer; ``mu`` is the autoencoder's code, so the autoencoder pretrains as usual.
    In training mode ``forward`` samples ``z = mu + sigma * eps`` (from torch's current
    random state); in evaluation mode ``z = mu``, so inference is deterministic.

    Parameters
    ----------
    autoencoder : MLPAutoencoder or ConvAutoencoder
    n_clusters : int
    classifier : nn.Module or None, default=None
        Maps ``z`` to cluster logits; None takes ``q(c|z)`` from the prior (VaDE).

    Forward returns ``(mu, log_var, z, reconstruction, log_gamma)``.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, VaDEModule
    >>> model = VaDEModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3).eval()
    >>> mu, log_var, z, reconstruction, log_gamma = model(torch.zeros(4, 6))
    >>> tuple(z.shape), tuple(reconstruction.shape), tuple(log_gamma.shape)
    ((4, 2), (4, 6), (4, 3))
    >>> bool(torch.equal(z, mu))  # no sampling in evaluation mode
    True
    """

    def __init__(self, autoencoder, n_clusters, classifier=None):
        super().__init__()
        self.autoencoder = autoencoder
        code_layer = autoencoder.encoder_layers[-1][-1]
        self.log_var_head = nn.Linear(code_layer.in_features, code_layer.out_features)
        self.prior = GaussianMixturePrior(n_clusters, autoencoder.latent_dim)
        self.classifier = classifier

    def start_posterior_variance(self, variance):
        """Make the encoder's ``q(z|x)`` start with variance ``variance`` for every input.

        The log-variance head gets zero weights and bias ``log(variance)``; training then
        moves it. From a random start the posterior variance is about 1 whatever the scale
        of the pretrained code, which can blur its clusters before the ELBO recovers.
        """
        with torch.no_grad():
            self.log_var_head.weight.zero_()
            self.log_var_head.bias.fill_(math.log(variance))

    def posterior(self, x):
        """``(mu, log_var)`` of ``q(z|x)``, each of shape (n_samples, latent_dim)."""
        ae = self.autoencoder
        hidden = ae.encode(x, depth=ae.n_layers - 1)
        mu = ae.encoder_layers[-1](hidden)
        # a convolutional encoder's last hidden output is a feature map
        return mu, self.log_var_head(hidden.flatten(1)).clamp(*LOG_VAR_RANGE)

    def log_cluster_probabilities(self, z):
        """``log q(c|z)``: the classifier's when there is one, else the prior's."""
        if self.classifier is None:
            return self.prior.responsibilities(z)
        return torch.log_softmax(self.classifier(z), dim=1)

    def forward(self, x):
        mu, log_var = self.posterior(x)
        z = mu + normal_like(mu) * (0.5 * log_var).exp() if self.training else mu
        return mu, log_var, z, self.autoencoder.decode(z), self.log_cluster_probabilities(z)

    def elbo(self, x, output, kind):
        """Per-sample ELBO of ``x`` given this module's ``output`` on it."""
        mu, log_var, _, reconstruction, log_gamma = output
        return vade_elbo(
            x, reconstruction, mu, log_var, log_gamma, *self.prior.parameters_for_elbo(),
            kind=kind,
        )


class VaDELoss(nn.Module):
    """``-mean ELBO + beta * similarity``: VaDE (``beta = 0``) and DVAE's Eq. 3.14.

    Parameters
    ----------
    module : VaDEModule
    kind : {"bce", "mse"}
        Likelihood of ``x`` given ``z``.
    beta : float, default=0.0
        Weight of DVAE's similarity loss; a callback may change it during training.
    similarity : {"printed", "batch", "kernel"}, default="printed"
        Form of the similarity loss (see
        :func:`~skdeepcluster.functional.wasserstein_similarity_loss`).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, VaDELoss, VaDEModule
    >>> model = VaDEModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3).eval()
    >>> X = torch.zeros(4, 6)
    >>> loss = VaDELoss(model, kind="mse")(model(X), X)
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, module, kind, beta=0.0, similarity="printed"):
        super().__init__()
        self.module = module
        self.kind = kind
        self.beta = beta
        self.similarity = similarity

    def forward(self, output, X, index=None):
        loss = -self.module.elbo(X, output, self.kind).mean()
        if self.beta:
            mu, log_var, _, _, log_gamma = output
            loss = loss + self.beta * wasserstein_similarity_loss(
                log_gamma.exp(), mu, (0.5 * log_var).exp(), self.similarity
            )
        return loss
