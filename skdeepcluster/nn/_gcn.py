"""An autoencoder fused layer by layer into a graph convolutional network (SDCN)."""

import torch
from torch import nn

from ..functional import (
    kl_clustering_loss,
    reconstruction_loss,
    reference_norms,
    student_t_assignment,
)
from ._autoencoder import ACTIVATIONS


class GCNLayer(nn.Module):
    """Graph convolution ``act(A @ (X @ W))`` (Kipf and Welling, 2017), without bias.

    Parameters
    ----------
    n_in, n_out : int
    activation : str or None, default="relu"
        A key of :data:`~skdeepcluster.nn.ACTIVATIONS`, or None for a linear output.

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import GCNLayer
    >>> layer = GCNLayer(3, 2)
    >>> adjacency = torch.eye(4).to_sparse()  # 4 nodes, self-loops only
    >>> out = layer(torch.ones(4, 3), adjacency)
    >>> tuple(out.shape), bool((out >= 0).all())
    ((4, 2), True)
    """

    def __init__(self, n_in, n_out, activation="relu"):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        nn.init.xavier_uniform_(self.weight)
        self.activation = ACTIVATIONS[activation]() if activation else nn.Identity()

    def support(self, x):
        """``X @ W`` of node features ``x``, shape (n_nodes, n_out)."""
        return x @ self.weight

    def forward(self, x, adjacency):
        return self.activation(torch.sparse.mm(adjacency, self.support(x)))


class GCNFusion(nn.Module):
    """An autoencoder's encoder fused layer by layer into a GCN (SDCN, SDDECC).

    GCN layer ``l`` maps the width of encoder input ``l`` to the width of encoder output
    ``l`` (feature maps flattened); its input is the previous GCN layer's output mixed with
    the matching encoder output by the delivery operator ``(1 - delta) * H + delta * Z``. A
    last GCN layer maps the code width to ``n_clusters`` (logits). The training data and
    graph are buffers (set by :meth:`set_graph`), so that new samples can be linked to the
    training nodes.

    Parameters
    ----------
    autoencoder : MLPAutoencoder or ConvAutoencoder
        Its ``encoder_layers`` are applied in turn (without input corruption).
    n_features : int
    n_clusters : int
    delta : float, default=0.5
    activation : str, default="relu"

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import GCNFusion, MLPAutoencoder
    >>> fusion = GCNFusion(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), 6, n_clusters=3)
    >>> [tuple(layer.weight.shape) for layer in fusion.gcn_layers]
    [(6, 8), (8, 2), (2, 3)]
    >>> fusion.set_graph(torch.zeros(5, 6), torch.eye(5).to_sparse())
    >>> [tuple(support.shape) for support in fusion.training_supports()]
    [(5, 8), (5, 2), (5, 3)]
    """

    def __init__(self, autoencoder, n_features, n_clusters, delta=0.5, activation="relu"):
        super().__init__()
        self.autoencoder = autoencoder
        self.delta = delta
        with torch.no_grad():
            outputs = self._encoder_outputs(torch.zeros(1, n_features))
        widths = [n_features] + [out.shape[1] for out in outputs]
        self.gcn_layers = nn.ModuleList(
            GCNLayer(widths[i], widths[i + 1], activation) for i in range(len(widths) - 1)
        )
        self.gcn_layers.append(GCNLayer(widths[-1], n_clusters, None))
        self.register_buffer("train_X", None)
        self.register_buffer("adjacency", None)
        self._inference_cache = None

    def set_graph(self, X, adjacency):
        """Keep the training data (n_nodes, n_features) and its normalised adjacency."""
        self.train_X = X
        self.adjacency = adjacency
        self._inference_cache = None

    def inference_cache(self, metric):
        """``(supports, norms)`` for new samples: :meth:`training_supports` and the training
        rows' :func:`~skdeepcluster.functional.reference_norms` for ``metric``.

        Computed once (one full-graph pass, without gradients) and kept while the weights,
        the training rows, their device and the mode stay as they are: a later prediction of
        new samples then costs their kNN search and ``k`` rows of each layer's supports.
        It holds ``n_nodes`` times the sum of the GCN layers' widths floats; it is not
        pickled.
        """
        rows = self.train_X
        key = (self.training, metric, id(rows), rows._version, rows.device,
               tuple(p._version for p in self.parameters()))
        cache = getattr(self, "_inference_cache", None)
        if cache is None or cache[0] != key:
            with torch.no_grad():
                cache = (key, self.training_supports(), reference_norms(rows, metric))
            self._inference_cache = cache
        return cache[1], cache[2]

    def _raw_encoder_outputs(self, x):
        outputs = []
        for layer in self.autoencoder.encoder_layers:
            x = layer(x)
            outputs.append(x)
        return outputs

    def _encoder_outputs(self, x):
        return [out.flatten(1) for out in self._raw_encoder_outputs(x)]

    def _layer_input(self, i, x, h, ae_outputs):
        return x if i == 0 else (1 - self.delta) * h + self.delta * ae_outputs[i - 1]

    def gcn_logits(self, x, ae_outputs):
        """GCN output (before the softmax) of the training graph, in node order."""
        h = None
        for i, layer in enumerate(self.gcn_layers):
            h = layer(self._layer_input(i, x, h, ae_outputs), self.adjacency)
        return h

    def training_supports(self):
        """``input_l @ W_l`` of every training node for every GCN layer (full-graph pass)."""
        x = self.train_X
        ae_outputs = self._encoder_outputs(x)
        supports, h = [], None
        for i, layer in enumerate(self.gcn_layers):
            support = layer.support(self._layer_input(i, x, h, ae_outputs))
            supports.append(support)
            h = layer.activation(torch.sparse.mm(self.adjacency, support))
        return supports

    def predict_new(self, x, neighbors, supports):
        """GCN assignment of samples linked to training nodes, shape (n_samples, n_clusters).

        Each sample is a new node joined to the training nodes ``neighbors`` (n_samples, k)
        and to itself, with row-normalised weights ``1 / (k + 1)``; training nodes keep
        their own edges, so their features are ``supports`` (see
        :meth:`training_supports`) and new samples never influence each other.
        """
        ae_outputs = self._encoder_outputs(x)
        weight = 1.0 / (neighbors.shape[1] + 1)
        h = None
        for i, layer in enumerate(self.gcn_layers):
            own = layer.support(self._layer_input(i, x, h, ae_outputs))
            h = layer.activation(weight * (own + supports[i][neighbors].sum(dim=1)))
        return torch.softmax(h, dim=1)


class SDCNModule(GCNFusion):
    """SDCN's network (Bo et al., WWW 2020): autoencoder, GCN and a Student's t head.

    A :class:`GCNFusion` of an autoencoder, plus cluster centres for the Student's t
    assignment of the code.

    Parameters
    ----------
    autoencoder : MLPAutoencoder or ConvAutoencoder
    n_clusters : int
    delta : float, default=0.5
    dof : float, default=1.0
    activation : str, default="relu"

    Forward maps the training data, in node order, to ``(code, reconstruction, q, z)``:
    ``q`` the Student's t assignment of the code, ``z`` the GCN's softmax output, both of
    shape (n_nodes, n_clusters).

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SDCNModule
    >>> model = SDCNModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3)
    >>> X = torch.zeros(5, 6)
    >>> model.set_graph(X, torch.eye(5).to_sparse())  # usually a kNN graph of X
    >>> code, reconstruction, q, z = model(X)
    >>> tuple(code.shape), tuple(q.shape), tuple(z.shape)
    ((5, 2), (5, 3), (5, 3))
    """

    def __init__(self, autoencoder, n_clusters, delta=0.5, dof=1.0, activation="relu"):
        super().__init__(autoencoder, autoencoder.n_features, n_clusters, delta, activation)
        self.centers = nn.Parameter(torch.zeros(n_clusters, self.gcn_layers[-1].weight.shape[0]))
        self.dof = dof

    def assign(self, x):
        """Student's t assignment ``q`` of the code of a batch (autoencoder branch)."""
        return student_t_assignment(self.autoencoder.encode(x), self.centers, self.dof)

    def forward(self, x):
        ae_outputs = self._encoder_outputs(x)
        code = ae_outputs[-1]
        q = student_t_assignment(code, self.centers, self.dof)
        z = torch.softmax(self.gcn_logits(x, ae_outputs), dim=1)
        return code, self.autoencoder.decode(code), q, z


class SDCNLoss(nn.Module):
    """``reconstruction + lambda_q KL(P || Q) + lambda_z KL(P || Z)`` (SDCN, Eq. 15).

    ``target`` (P for every training node) is set by
    :class:`~skdeepcluster.training.TargetRefresh`.

    Parameters
    ----------
    lambda_q : float, default=0.1
    lambda_z : float, default=0.01
    reconstruction : {"mse", "bce"}, default="mse"

    Examples
    --------
    >>> import torch
    >>> from skdeepcluster.nn import MLPAutoencoder, SDCNLoss, SDCNModule
    >>> model = SDCNModule(MLPAutoencoder(6, hidden_dims=(8,), latent_dim=2), n_clusters=3)
    >>> X = torch.zeros(5, 6)
    >>> model.set_graph(X, torch.eye(5).to_sparse())
    >>> criterion = SDCNLoss()
    >>> criterion.target = torch.full((5, 3), 1 / 3)  # P, set by TargetRefresh in training
    >>> loss = criterion(model(X), X, torch.arange(5))
    >>> loss.shape, bool(torch.isfinite(loss))
    (torch.Size([]), True)
    """

    def __init__(self, lambda_q=0.1, lambda_z=0.01, reconstruction="mse"):
        super().__init__()
        self.lambda_q = lambda_q
        self.lambda_z = lambda_z
        self.reconstruction = reconstruction
        self.target = None

    def forward(self, output, X, index):
        _, x_hat, q, z = output
        p = self.target[index.to(self.target.device)]
        return (
            reconstruction_loss(x_hat, X, self.reconstruction)
            + self.lambda_q * kl_clustering_loss(q, p)
            + self.lambda_z * kl_clustering_loss(z, p)
        )
