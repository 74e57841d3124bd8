"""Nielsen's network2.py JSON (`Network.save`) -> DenseNet.

network2.py writes {"sizes": [784, 30, 10], "weights": [w.tolist(), ...] with w (n_out, n_in),
"biases": [b.tolist(), ...] with b (n_out, 1), "cost": "CrossEntropyCost"}; every layer,
the output included, is a sigmoid.
"""

from __future__ import annotations

import numpy as np

from hiddenlens.io._arrays import build_net
from hiddenlens.io._read import check_path, parse_json, read_file, short

COSTS = ("CrossEntropyCost", "QuadraticCost")


def from_nielsen(source, **metadata):
    """Import a network of Nielsen's network.py / network2.py: its saved JSON or the object.

    Parameters
    ----------
    source : path or Network
        The JSON file network2.py's ``net.save(filename)`` writes (sizes, weights (n_out, n_in)
        per layer, biases (n_out, 1), cost), or a live ``Network`` of network.py or
        network2.py (anything with ``sizes``, ``weights`` and ``biases``).
    **metadata
        class_names, feature_names, image_shape, task for the DenseNet.

    Returns
    -------
    DenseNet
        float64 sigmoid network (output sigmoid too), as network.py and network2.py compute.
    """
    if all(hasattr(source, k) for k in ("sizes", "weights", "biases")):
        doc = {"sizes": list(source.sizes), "weights": source.weights, "biases": source.biases}
        return nielsen_from_dict(doc, f"this {type(source).__name__}", **metadata)
    path = check_path(source, "source")
    doc = parse_json(read_file(path), path, "network2.py JSON file",
                     f"{path} is truncated or is not a JSON file; it cannot be read.")
    return nielsen_from_dict(doc, path, **metadata)


def nielsen_from_dict(doc, path, **metadata):
    """Build the DenseNet of an already parsed network2.py document."""
    keys = ("sizes", "weights", "biases")
    missing = [k for k in keys if not isinstance(doc, dict) or k not in doc]
    if missing:
        raise ValueError(
            f"{path} is JSON but not a network2.py file: it lacks {', '.join(missing)} "
            "(network2.py's save writes sizes, weights, biases and cost)."
        )
    if doc.get("cost", "CrossEntropyCost") not in COSTS:
        raise ValueError(
            f"{path} names the cost {short(doc.get('cost'))}; network2.py writes one of "
            f"{', '.join(COSTS)}."
        )
    sizes = doc["sizes"]
    if not (isinstance(sizes, list) and all(isinstance(n, int) for n in sizes)):
        raise ValueError(f"{path} declares sizes {short(sizes)}; network2.py writes a list of "
                         "ints.")
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in doc["weights"]]
        biases = [np.asarray(b, dtype=np.float64) for b in doc["biases"]]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{path} has weights or biases that are not rectangular lists of numbers."
        ) from None
    shapes = [w.shape for w in weights]
    expected = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    if not weights or shapes != expected or len(biases) != len(weights):
        raise ValueError(
            f"{path} declares sizes {sizes}, so its weights should be {expected}; they are "
            f"{shapes}: the shapes do not chain."
        )
    names = [f"weights[{l}]" for l in range(len(weights))]
    acts = ["sigmoid"] * len(weights)
    return build_net(weights, biases, acts, source=str(path), names=names, **metadata)
