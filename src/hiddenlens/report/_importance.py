"""The report's feature-importance section: a heat map for images, bars and profiles otherwise."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import DIVERGING, symmetric_limit
from hiddenlens.report import _figures as figs
from hiddenlens.report._optional import optional
from hiddenlens.report._sections import Context, Section, figure, pending

N_SALIENCY = 500  # test examples averaged into the image heat map


def importance_section(ctx: Context) -> Section:
    s = Section("importance", "Feature importance",
                "Which inputs the network's decisions depend on most.")
    if ctx.is_image:
        s.parts.append(_image_heatmap(ctx))
        return s
    s.parts.append(_permutation_bars(ctx))
    s.parts.extend(_weight_methods(ctx))
    s.parts.append(_lek(ctx))
    return s


def _image_heatmap(ctx: Context) -> str:
    saliency = optional("hiddenlens", "saliency")
    if saliency is None:
        return pending("The input heat map", "saliency")
    X, y = ctx.X[:N_SALIENCY], ctx.y[:N_SALIENCY]
    target = y if ctx.net.task == "classification" else 0
    grads = np.asarray(saliency(ctx.net, X, target=target))  # (n, n_inputs)
    heat = np.abs(grads).mean(axis=0).reshape(ctx.net.image_shape)
    mean_image = X.mean(axis=0).reshape(ctx.net.image_shape)
    fig, (left, right) = figs.new_figure(8, 3.6, ncols=2)
    left.imshow(mean_image, cmap="gray_r")
    left.set_title("mean test image", fontsize=10)
    shown = right.imshow(heat, cmap="magma")
    right.set_title(f"mean |gradient| of the true class's logit, {len(X)} test images",
                    fontsize=10)
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(shown, ax=right, fraction=0.046).set_label("mean |d logit / d pixel|")
    return figure("Input heat map", "Bright pixels are those where a small change moves the "
                  "true class's score most, on average over test images; dark pixels (the "
                  "border) are ignored by the network.", figs.inline_png(fig, "input heat map"))


def _permutation_bars(ctx: Context) -> str:
    permutation = optional("hiddenlens", "permutation_importance")
    if permutation is None:
        return pending("Permutation importance", "permutation_importance")
    r = permutation(ctx.net, ctx.X, ctx.y, n_repeats=5, random_state=0)
    mean, std = np.asarray(r.importances_mean), np.asarray(r.importances_std)
    order = np.argsort(mean)
    names = _features(ctx)
    fig, ax = figs.new_figure(7, 0.6 + 0.28 * len(mean))
    ax.barh(np.arange(len(mean)), mean[order], xerr=std[order], color="tab:blue")
    ax.set_yticks(np.arange(len(mean)), [names[i] for i in order], fontsize=8)
    ax.set_xlabel("drop in test score when the feature is shuffled (5 repeats)")
    ax.set_title(f"Permutation importance, {ctx.net.describe_sizes()}", fontsize=10)
    return figure("Permutation importance", "Each bar is how much the test score falls when "
                  "that feature's values are shuffled across examples; longer bars matter more, "
                  "whiskers are one standard deviation over repeats.",
                  figs.inline_png(fig, "permutation importance"))


def _weight_methods(ctx: Context) -> list[str]:
    parts = []
    for name, how in (("garson", "share of |weight| flowing from each feature to the outputs "
                                 "(Garson; magnitude only)"),
                      ("olden", "sum over paths of the signed weight products from each "
                                "feature to the output (Olden; red up, blue down)")):
        method = optional("hiddenlens", name)
        if method is None:
            parts.append(pending(name.capitalize(), name))
            continue
        try:
            values = np.asarray(method(ctx.net))  # (n_inputs,) or (n_inputs, n_outputs)
        except ValueError as exc:  # e.g. Garson on two hidden layers
            parts.append(f'<p class="pending">{name.capitalize()}: {exc}</p>')
            continue
        parts.append(figure(name.capitalize(), f"For each feature, the {how}.",
                            figs.inline_png(_bars(ctx, values, name), name)))
    return parts


def _bars(ctx: Context, values: np.ndarray, name: str):
    values = values.reshape(len(values), -1)  # (n_inputs, n_outputs)
    names = _features(ctx)
    outputs = ctx.class_names or [f"output {k}" for k in range(values.shape[1])]
    fig, ax = figs.new_figure(7, 0.8 + 0.3 * len(values) * min(values.shape[1], 3) / 2)
    height = 0.8 / values.shape[1]
    limit = symmetric_limit(values)
    import matplotlib

    cmap = matplotlib.colormaps[DIVERGING]
    for k in range(values.shape[1]):
        ax.barh(np.arange(len(values)) + k * height, values[:, k], height=height,
                label=outputs[k] if values.shape[1] > 1 else None,
                color=cmap(0.5 + 0.5 * values[:, k] / limit) if name == "olden" else None)
    ax.set_yticks(np.arange(len(values)) + 0.4 - height / 2, names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("relative importance" if name == "garson" else "signed importance")
    ax.set_title(f"{name.capitalize()}, {ctx.net.describe_sizes()}", fontsize=10)
    if values.shape[1] > 1:
        ax.legend(fontsize=7)
    return fig


def _lek(ctx: Context) -> str:
    lek = optional("hiddenlens", "lek_profile")
    permutation = optional("hiddenlens", "permutation_importance")
    if lek is None:
        return pending("Lek profiles", "lek_profile")
    feature = 0
    if permutation is not None:
        r = permutation(ctx.net, ctx.X, ctx.y, n_repeats=5, random_state=0)
        feature = int(np.argmax(r.importances_mean))
    display = optional("hiddenlens.plot", "LekProfileDisplay")
    if display is None:
        return pending("Lek profile figure", "LekProfileDisplay")
    d = display.from_model(ctx.net, ctx.X, feature=feature)
    return figure("Lek profile", f"The output as the most important feature "
                  f"({_features(ctx)[feature]}) sweeps from its minimum to its maximum while the "
                  "other features are held at their quantiles, one line per quantile.",
                  figs.inline_png(d.figure_, "lek profile"))


def _features(ctx: Context) -> list[str]:
    return ctx.net.feature_names or [f"x{i}" for i in range(ctx.net.n_inputs)]
