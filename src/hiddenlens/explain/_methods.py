"""Named methods: one registry from a method's name to its function.

plot/, report/, cli/ and the server look methods up here and nowhere else::

    get_method("ig")(net, X, target)                  # (n, n_inputs) attributions
    get_method("olden", "importance")(net, target=2)  # Bunch(importances_mean, ...)
    methods("attribution")                            # name -> Method, in registry order

An attribution method can also be any callable ``(net, X, target, **options) -> (n,
n_inputs)``; `get_method` wraps it as a Method named after the function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

KINDS = ("attribution", "importance", "profile")
SIGNATURES = {"attribution": "(net, X, target) -> attributions"}


@dataclass(frozen=True)
class Method:
    """One named algorithm; calling it calls its function.

    Attributes
    ----------
    name : str
        What users type (``"ig"``).
    kind : {"attribution", "importance", "profile"}
        "attribution": ``(net, X, target, **options) -> ndarray of shape (n, n_inputs)``.
        "importance": ``(net, X=None, y=None, *, target=0, **options) -> Bunch`` with
        importances_mean (n_features,), importances_std (n_features,) or None, importances
        (n_features, n_repeats) or None and names (n_features,).
        "profile": `lek_profile`'s ``(net, X, feature, **options) -> Bunch``.
    title : str
        What figures call it ("integrated gradients").
    description : str
        One line for ``--help``.
    needs_data : bool
        Whether it reads examples (`X`, `y`) or only the weights.
    """

    name: str
    kind: str
    title: str
    description: str
    implementation: str | Callable  # the function, or its name in hiddenlens.explain or here
    needs_data: bool = True

    @property
    def function(self) -> Callable:
        if callable(self.implementation):
            return self.implementation
        module = __name__ if self.implementation.startswith("_") else "hiddenlens.explain"
        return getattr(import_module(module), self.implementation)

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)


# ------------------------------------------------------------------ importance as one Bunch
def _feature_names(net) -> list[str]:
    from hiddenlens.data._dataset import image_pixel_names

    if net.feature_names:
        return list(net.feature_names)
    if net.image_shape:
        return image_pixel_names(net.image_shape)
    return [f"x{j}" for j in range(net.n_inputs)]


def _from_data(function: str, what: str):
    def importance(net, X=None, y=None, *, target=None, **options):
        from sklearn.utils import Bunch

        if X is None or y is None:
            raise ValueError(f"{what} importance needs data: pass X and y.")
        r = getattr(import_module("hiddenlens.explain"), function)(net, X, y, **options)
        # `target` is unused: a score drop covers every output at once
        return Bunch(importances_mean=r.importances_mean, importances_std=r.importances_std,
                     importances=r.importances, names=_feature_names(net))

    importance.__name__ = f"_{function}"
    return importance


def _from_weights(function: str):
    def importance(net, X=None, y=None, *, target=0):
        from sklearn.utils import Bunch

        from hiddenlens._validation import check_unit

        target = check_unit(net, -1, target, "target")
        mean = getattr(import_module("hiddenlens.explain"), function)(net)[target]
        return Bunch(importances_mean=mean, importances_std=None, importances=None,
                     names=_feature_names(net))

    importance.__name__ = f"_{function}"
    return importance


_permutation = _from_data("permutation_importance", "permutation")
_perturbation = _from_data("perturbation_importance", "perturbation")
_garson = _from_weights("garson")
_olden = _from_weights("olden")

# ------------------------------------------------------------------ the registry
_REGISTRY = [
    Method("ig", "attribution", "integrated gradients", "integrated gradients: the gradient "
           "averaged on the straight path from a baseline (a black image) to the input",
           "integrated_gradients"),
    Method("saliency", "attribution", "saliency (gradient)", "the gradient of the class "
           "score with respect to each input", "saliency"),
    Method("smoothgrad", "attribution", "SmoothGrad", "the gradient averaged over noisy "
           "copies of the input", "smoothgrad"),
    Method("input-x-gradient", "attribution", "input x gradient", "each input times the "
           "gradient of the class score", "input_x_gradient"),
    Method("occlusion", "attribution", "occlusion", "the drop of the class score when a "
           "window of the image is covered", "occlusion"),
    Method("permutation", "importance", "permutation importance", "the drop of the test "
           "score when a feature's values are shuffled across examples", "_permutation"),
    Method("perturbation", "importance", "perturbation importance", "the drop of the test "
           "score when a feature gets uniform noise", "_perturbation"),
    Method("garson", "importance", "Garson importance", "each input's share of |weight| "
           "into the hidden units (one hidden layer; weights only)", "_garson",
           needs_data=False),
    Method("olden", "importance", "Olden importance", "the signed product of the weights "
           "along every path from an input to the output (weights only)", "_olden",
           needs_data=False),
    Method("lek", "profile", "Lek profile", "the output as one feature sweeps its range, the "
           "others held at quantiles or cluster centres", "lek_profile"),
]
REGISTRY = {m.name: m for m in _REGISTRY}


def methods(kind: str | tuple[str, ...] = "attribution") -> dict[str, Method]:
    """The registered methods of `kind` (one kind or a tuple of kinds), name -> Method."""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"`kind` must be one of {', '.join(map(repr, KINDS))}. "
                             f"Got {k!r} instead.")
    return {name: m for name, m in REGISTRY.items() if m.kind in kinds}


def get_method(method, kind: str | tuple[str, ...] = "attribution") -> Method:
    """The Method named `method`, of `kind`.

    Parameters
    ----------
    method : str or callable
        A registered name, or (attributions only) a callable ``(net, X, target, **options) ->
        ndarray of shape (n, n_inputs)``, wrapped as a Method named after the function.
    kind : str or tuple of str, default="attribution"
        "attribution", "importance", "profile", or several.

    Returns
    -------
    Method

    Raises
    ------
    ValueError
        For an unknown name: the sentence lists every known name of `kind`.
    """
    known = methods(kind)
    if isinstance(method, str) and method in known:
        return known[method]
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    signature = " or ".join(SIGNATURES[k] for k in kinds if k in SIGNATURES)
    if callable(method) and signature:
        name = getattr(method, "__name__", type(method).__name__)
        doc = (getattr(method, "__doc__", None) or "").strip().split("\n")[0]
        return Method(name, kinds[0], name, doc, method)
    also = f" or a callable {signature}" if signature else ""
    raise ValueError(f"`method` must be one of {', '.join(map(repr, known))}{also}. "
                     f"Got {method!r} instead.")


def methods_help(kind: str | tuple[str, ...] = "attribution") -> str:
    """One line per method, "name: description", for a command's ``--help``."""
    return "\n".join(f"{m.name}: {m.description}" for m in methods(kind).values())
