"""Convolutional autoencoder for image inputs given as flat rows."""

from torch import nn

from ._autoencoder import ACTIVATIONS, Corruption, StackedAutoencoder


def conv_output_size(size):
    """Side of a feature map after a 3x3 convolution with stride 2 and padding 1."""
    return (size - 1) // 2 + 1


class ConvAutoencoder(StackedAutoencoder):
    """Convolutional autoencoder with a mirrored decoder: ``C x H x W -> c_1 -> (...) -> L``.

    Each encoder block is a 3x3 convolution with stride 2 (halving the feature map, rounding
    up) and ``activation``; a linear layer maps the last feature map to the code. The decoder
    mirrors it with transposed convolutions that restore the exact sizes. Inputs and outputs
    are flat rows of ``C * H * W`` values (channel-major, as ``X.reshape(n, C, H, W)``), so
    the module is a drop-in for :class:`~skdeepcluster.nn.MLPAutoencoder`; its
    ``encoder_layers`` are the blocks (the first reshapes the row into an image, the last
    flattens the feature map before the code layer). The code layer and the output are
    linear, and the output is raw (logits for a binary cross-entropy).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` of one image.
    channels : tuple of int, default=(16, 32)
        Output channels of the convolution blocks (the SDDECC paper's Table 2: ``(16, 32)``
        on 16x16 USPS, ``(16, 16, 32, 32)`` on 28x28 MNIST and Fashion-MNIST).
    latent_dim : int, default=10
    activation : str, default="relu"
        A key of :data:`~skdeepcluster.nn.ACTIVATIONS`.
    dropout : float, default=0.0
        Input corruption while training, as in ``MLPAutoencoder``.

    Examples
    --------
    >>> import torch
    >>> ae = ConvAutoencoder((1, 16, 16), channels=(4, 8), latent_dim=3)
    >>> code, reconstruction = ae(torch.zeros(5, 256))
    >>> tuple(code.shape), tuple(reconstruction.shape)
    ((5, 3), (5, 256))
    """

    def __init__(self, input_shape, channels=(16, 32), latent_dim=10, activation="relu",
                 dropout=0.0):
        super().__init__()
        in_channels, height, width = input_shape
        self.input_shape = tuple(input_shape)
        self.n_features = in_channels * height * width
        self.corruption = Corruption(dropout)
        sizes = [(height, width)]
        for _ in channels:
            sizes.append(tuple(conv_output_size(s) for s in sizes[-1]))
        widths = (in_channels, *channels)
        map_shape = (widths[-1], *sizes[-1])
        n_flat = map_shape[0] * map_shape[1] * map_shape[2]

        encoder = []
        for i in range(len(channels)):
            block = [nn.Unflatten(1, self.input_shape)] if i == 0 else []
            block += [nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1),
                      ACTIVATIONS[activation]()]
            encoder.append(nn.Sequential(*block))
        head = [nn.Unflatten(1, self.input_shape)] if not channels else []
        encoder.append(nn.Sequential(*head, nn.Flatten(), nn.Linear(n_flat, latent_dim)))
        self.encoder_layers = nn.ModuleList(encoder)

        decoder = [nn.Sequential(
            nn.Linear(latent_dim, n_flat),
            *([ACTIVATIONS[activation]()] if channels else []),
            nn.Unflatten(1, map_shape),
        )]
        for i in reversed(range(len(channels))):
            # output_padding restores an even side that the stride-2 convolution halved
            padding = tuple(s - 2 * t + 1 for s, t in zip(sizes[i], sizes[i + 1]))
            block = [nn.ConvTranspose2d(widths[i + 1], widths[i], 3, stride=2, padding=1,
                                        output_padding=padding)]
            block.append(ACTIVATIONS[activation]() if i > 0 else nn.Identity())
            decoder.append(nn.Sequential(*block))
        decoder[-1].append(nn.Flatten())
        self.decoder_layers = nn.ModuleList(decoder)
