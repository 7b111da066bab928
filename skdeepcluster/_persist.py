"""A fitted network as plain data: NumPy arrays, numbers and strings, and back.

A fitted estimator's state holds its network in this form (see
``BaseDeepClusterer.__getstate__``), so that formats which only rebuild plain data, such as
skops, save and load it, and so that a pickle never holds a torch object: the network is
rebuilt on loading, on the CPU or the device it was fitted on.
"""

import torch

__all__ = ["network_state", "restore_network"]

#: Python values of a module's attributes kept in the state (flags set after construction,
#: e.g. SDDECC's ``clustering``); everything else is rebuilt by the estimator.
_PLAIN = (bool, int, float, str, type(None))


def network_state(module):
    """``module``'s tensors as NumPy arrays and its plain attributes, per submodule.

    Returns
    -------
    dict
        ``tensors``: name -> ndarray (dense parameters and buffers); ``sparse``: name ->
        ``(indices, values, shape)`` of a sparse buffer; ``frozen``: names of the parameters
        that do not require gradients; ``attributes``: submodule name -> its attributes of
        plain types (bool, int, float, str, None) and tuples of them.
    """
    tensors, sparse = {}, {}
    for name, tensor in module.state_dict().items():
        if tensor.is_sparse:
            tensor = tensor.coalesce()
            sparse[name] = (tensor.indices().cpu().numpy(), tensor.values().cpu().numpy(),
                            tuple(tensor.shape))
        else:
            tensors[name] = tensor.detach().cpu().numpy()
    frozen = [name for name, p in module.named_parameters() if not p.requires_grad]
    attributes = {
        name: {key: value for key, value in vars(part).items() if _is_plain(value)}
        for name, part in module.named_modules()
    }
    return {"tensors": tensors, "sparse": sparse, "frozen": frozen, "attributes": attributes}


def _is_plain(value):
    if isinstance(value, tuple):
        return all(_is_plain(v) for v in value)
    return isinstance(value, _PLAIN)


def restore_network(build, state, device):
    """The network that :func:`network_state` described, rebuilt by ``build()`` on ``device``.

    ``build`` runs on torch's meta device (no memory, no random draws); every parameter and
    buffer is then set from ``state``, so a tensor the state lacks is an error.
    """
    with torch.device("meta"):
        module = build()
    module = module.to_empty(device="cpu")
    for name, values in state["attributes"].items():
        part = module.get_submodule(name)
        for key, value in values.items():
            setattr(part, key, value)
    frozen = set(state["frozen"])
    filled = set()
    for name, array in state["tensors"].items():
        _set_tensor(module, name, torch.from_numpy(array.copy()), name not in frozen)
        filled.add(name)
    for name, (indices, values, shape) in state["sparse"].items():
        tensor = torch.sparse_coo_tensor(
            torch.from_numpy(indices.copy()), torch.from_numpy(values.copy()), shape,
            is_coalesced=True, check_invariants=True,
        )
        _set_tensor(module, name, tensor, False)
        filled.add(name)
    missing = set(module.state_dict()) - filled
    if missing:
        raise ValueError(f"the saved network lacks {sorted(missing)}: it does not match "
                         "this version of the model")
    return module.to(device)


def _set_tensor(module, name, tensor, requires_grad):
    owner_name, _, key = name.rpartition(".")
    owner = module.get_submodule(owner_name)
    if key in owner._parameters:
        owner._parameters[key] = torch.nn.Parameter(tensor, requires_grad=requires_grad)
    elif key in owner._buffers:
        owner._buffers[key] = tensor
    else:
        raise ValueError(f"the saved network has a tensor {name!r} that this model lacks")
