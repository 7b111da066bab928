"""Image augmentation with torch operations, on whatever device the batch lives on."""

import math

import torch
import torch.nn.functional as F


def random_affine(x, input_shape, *, max_rotation=10.0, max_shift=0.1, generator=None):
    """Randomly rotate and shift a batch of flattened images.

    Each image gets its own rotation angle, uniform in ``[-max_rotation, max_rotation]``
    degrees about the image centre, and its own shift, uniform in ``[-max_shift, max_shift]``
    of the image width horizontally and of its height vertically (the augmentation of the
    DMAE paper, Sect. 4.2.2). Pixels that come from outside the image are zero; values are
    bilinearly interpolated. Rotations act in coordinates normalised to the image's sides,
    which for a non-square image adds a slight shear.

    Parameters
    ----------
    x : Tensor of shape (n_samples, C * H * W)
        Flattened images, channel-first (``reshape(n, C, H, W)`` recovers them).
    input_shape : tuple of int
        ``(C, H, W)``.
    max_rotation : float, default=10.0
        Largest rotation, in degrees.
    max_shift : float, default=0.1
        Largest shift, as a fraction of the image's width and height.
    generator : torch.Generator or None, default=None
        On ``x``'s device; None draws from torch's global generator.

    Returns
    -------
    Tensor of shape (n_samples, C * H * W)
        Same dtype and device as ``x``.
    """
    n = x.shape[0]
    images = x.reshape(n, *input_shape)
    draw = torch.rand(n, 3, generator=generator, device=x.device, dtype=x.dtype) * 2 - 1
    angle = draw[:, 0] * math.radians(max_rotation)
    # affine_grid works in normalised coordinates spanning [-1, 1]: a shift of a fraction f
    # of the image is 2 f in those units. The matrix maps output to input coordinates.
    shift = draw[:, 1:] * 2 * max_shift
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], dim=1), torch.stack([sin, cos, shift[:, 1]], dim=1)],
        dim=1,
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, padding_mode="zeros", align_corners=False).reshape(n, -1)
