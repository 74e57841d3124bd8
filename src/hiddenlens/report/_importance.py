"""The report's feature-importance section: a heat map for images, bars and profiles otherwise."""

from __future__ import annotations

import numpy as np

from hiddenlens import explain
from hiddenlens.plot._grid import plain
from hiddenlens.report import _figures as figs
from hiddenlens.report._sections import Context, Figure, Section, figure, note
from hiddenlens.report._trust import trust_parts

N_SALIENCY = 500  # test examples averaged into the image heat map


def importance_section(ctx: Context) -> Section:
    s = Section("importance", "Feature importance",
                "Which inputs the network's decisions depend on most, and which method's "
                "answer to trust on this network.")
    if ctx.is_image:
        s.parts.append(_image_heatmap(ctx))
        s.parts.extend(trust_parts(ctx))
        return s
    s.parts.append(_permutation_bars(ctx))
    s.parts.extend(_weight_methods(ctx))
    s.parts.append(_lek(ctx))
    s.parts.extend(trust_parts(ctx))
    return s


def _image_heatmap(ctx: Context) -> Figure:
    from hiddenlens.explain import saliency

    X = ctx.X[:N_SALIENCY]
    target = ctx.indices[:N_SALIENCY] if ctx.net.task == "classification" else 0
    grads = np.asarray(saliency(ctx.net, X, target=target, abs=True))  # (n, n_inputs)
    heat = grads.mean(axis=0).reshape(ctx.net.image_shape)
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


def _permutation_bars(ctx: Context) -> Figure:
    from hiddenlens.plot import ImportanceDisplay

    score = "accuracy" if ctx.net.task == "classification" else "r2"
    fig = ImportanceDisplay.from_result(
        _permutation(ctx), method="permutation", scoring=f"test {score}",
        names=ctx.feature_names,
        title=f"Permutation importance (5 repeats), {ctx.net.describe_sizes()}").figure_
    return figure("Permutation importance", "Each bar is how much the test score falls when "
                  "that feature's values are shuffled across examples; longer bars matter more, "
                  "whiskers are one standard deviation over repeats.",
                  figs.inline_png(fig, "permutation importance"))


def _weight_methods(ctx: Context) -> list:
    parts = []
    for name, method, how in (
            ("garson", explain.garson, "share of |weight| it sends to the outputs through the "
                                       "hidden layer (Garson; magnitude only). The shares are "
                                       "the same for every output: an output's weight "
                                       "multiplies all the inputs of a hidden unit alike and "
                                       "cancels in their shares, so one bar per feature is "
                                       "drawn"),
            ("olden", explain.olden, "sum over paths of the signed weight products from it "
                                     "to each output (Olden; bars right of zero push the "
                                     "output up, left push it down)")):
        try:
            values = np.asarray(method(ctx.net)).T  # (n_inputs, n_outputs)
        except ValueError as exc:  # e.g. Garson on two hidden layers
            parts.append(note(f"{name.capitalize()}: {exc}"))
            continue
        if name == "garson":  # every column is the same (see `garson`): draw one
            values = values[:, :1]
        parts.append(figure(name.capitalize(), f"For each feature, largest first, the {how}.",
                            figs.inline_png(_bars(ctx, values, name), name)))
    return parts


def _bars(ctx: Context, values: np.ndarray, name: str):
    values = values.reshape(len(values), -1)  # (n_inputs, n_outputs)
    order = np.argsort(-np.abs(values).mean(axis=1), kind="stable")  # largest on top
    values, names = values[order], [plain(ctx.feature_names[i]) for i in order]
    outputs = [plain(c) for c in ctx.class_names or range(values.shape[1])]
    per_row = 0.28 * max(1.0, min(values.shape[1], 3) / 1.5)  # inches per feature
    fig, ax = figs.new_figure(7, 0.8 + per_row * len(values))
    height = 0.8 / values.shape[1]
    for k in range(values.shape[1]):  # one colour per output
        ax.barh(np.arange(len(values)) + k * height, values[:, k], height=height,
                label=outputs[k] if values.shape[1] > 1 else None)
    ax.set_yticks(np.arange(len(values)) + 0.4 - height / 2, names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("share of |weight|, the same for every output (sums to 1)"
                  if name == "garson" else "signed importance")
    ax.set_title(f"{name.capitalize()}, {ctx.net.describe_sizes()}", fontsize=10)
    if values.shape[1] > 1:  # right of the axes, over no bar
        ax.legend(fontsize=7, title="output", title_fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), frameon=False)
    figs.tidy(fig)
    return fig


def _lek(ctx: Context) -> Figure:
    feature = _most_important(ctx)
    profile = explain.lek_profile(ctx.net, ctx.X, feature)
    name = ctx.feature_names[feature]
    fig = _lek_figure(ctx, profile, name)
    return figure("Lek profile", f"The outputs as the most important feature ({name}) sweeps "
                  "from its minimum to its maximum while the other features are held at their "
                  "quantiles (one line per quantile): a steep line means the output depends on "
                  "this feature there.", figs.inline_png(fig, "lek profile"))


def _most_important(ctx: Context) -> int:
    """The feature with the largest permutation importance."""
    return int(np.argmax(_permutation(ctx).importances_mean))


def _permutation(ctx: Context):
    """`permutation_importance` on the test split, 5 repeats, computed once per report."""
    if "permutation" not in ctx.cache:
        ctx.cache["permutation"] = explain.permutation_importance(
            ctx.net, ctx.X, ctx.y, n_repeats=5, random_state=0)
    return ctx.cache["permutation"]


def _lek_figure(ctx: Context, profile, name: str):
    grid = np.asarray(profile.grid).reshape(-1, np.shape(profile.grid)[-1])[0]  # (n_points,)
    pred = np.asarray(profile.predictions)
    pred = pred.reshape(-1, *pred.shape[-3:])[0]  # (n_held, n_points, n_outputs)
    outputs = ctx.class_names or [f"output {k}" for k in range(pred.shape[-1])]
    n_out = pred.shape[-1]
    fig, axes = figs.new_figure(3.2 * n_out + 0.8, 3.0, ncols=n_out, squeeze=False,
                                sharey=True)
    import matplotlib

    colors = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, len(pred)))
    for k, ax in enumerate(axes[0]):
        for g, c in enumerate(colors):
            ax.plot(grid, pred[g, :, k], color=c, label=str(profile.held_labels[g]))
        ax.set_title(plain(outputs[k]), fontsize=10)
        ax.set_xlabel(plain(name))
    axes[0][0].set_ylabel("output activation")
    axes[0][-1].legend(fontsize=7, title="others held at", title_fontsize=7, loc="upper left",
                       bbox_to_anchor=(1.02, 1.0), frameon=False)  # beside, over no line
    fig.suptitle(plain(f"Lek profile of {name}, {ctx.net.describe_sizes()}"), fontsize=10)
    figs.tidy(fig)
    return fig
