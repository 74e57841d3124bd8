"""The importance section's "which to trust on this network" parts: the table and the figure.

Images: the attribution methods scored by `evaluate_attributions` on the first N_TRUST test
examples (deletion, insertion, faithfulness correlation, the weight-randomization check), and
`AttributionTrustDisplay` (the curves and the cascade). Tabular data: the importance methods
ranked by `evaluate_importances` (deletion and insertion over features) and
`ImportanceTrustDisplay`. A few sentences say what the numbers mean on this network.
"""

from __future__ import annotations

import numpy as np

from hiddenlens.explain._describe_trust import method_title, sanity_words, trust_sentences
from hiddenlens.report import _figures as figs
from hiddenlens.report._sections import Context, Items, figure, note, table

N_TRUST = 200  # test examples the methods are scored on
METRICS = ["deletion", "insertion", "faithfulness_correlation", "randomization"]


def trust_report(ctx: Context):
    """The TrustReport of this network on its first N_TRUST test examples, computed once."""
    from hiddenlens import explain

    if "trust" not in ctx.cache:
        n = min(N_TRUST, len(ctx.X))
        X, y = ctx.X[:n], ctx.y[:n]
        if ctx.is_image:
            ctx.cache["trust"] = explain.evaluate_attributions(ctx.net, X, y, metrics=METRICS)
        else:
            ctx.cache["trust"] = explain.evaluate_importances(ctx.net, X, y)
    return ctx.cache["trust"]


def trust_parts(ctx: Context) -> list:
    """The table, then the figure, of which method to trust on this network."""
    if len(ctx.X) < 2:
        return [note("Which method to trust needs at least two test examples; this data set "
                     f"has {len(ctx.X)}.")]
    report = trust_report(ctx)
    return [_table(ctx, report), Items(trust_sentences(report)), _figure(ctx, report)]


def _num(v: float) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.3f}"


def _table(ctx: Context, report):
    t = report.table
    n = report.settings["n_examples"]
    what = "digits" if ctx.is_image else "examples"
    rows = []
    for row in t.sort_values("rank").to_dict("records"):
        cells = [method_title(row["method"]),
                 f"{_num(row['deletion_auc'])} vs {_num(row['deletion_random_auc'])}",
                 f"{_num(row['insertion_auc'])} vs {_num(row['insertion_random_auc'])}"]
        if ctx.is_image:
            cells += [_num(row["faithfulness_correlation"]),
                      sanity_words(report, row["method"]) or "not run"]
        cells += [int(row["rank"]), row["verdict"]]
        rows.append(cells)
    header = ["method", "deletion AUC vs random order", "insertion AUC vs random order"]
    if ctx.is_image:
        header += ["faithfulness correlation", "sanity check in words"]
    header += ["rank", "verdict"]
    how = (f"Scored on the first {n} test {what} (of {len(ctx.X)}), best first. Deletion "
           "replaces the inputs most relevant first by a baseline (" +
           report.settings["baseline"] + ") and records the class score: a faithful map "
           "drops it fast (a small area); insertion puts them back (a large area); both are "
           "compared with a random order of the same inputs. ")
    if ctx.is_image:
        how += ("Faithfulness correlation is the correlation between the attribution summed "
                "over random sets of 224 pixels and the logit's drop when they are removed (1 "
                "is best). The sanity check randomizes the weights from the output layer down "
                "and asks whether the maps change (rank correlation of |attribution| below "
                "0.5); the data-randomization check (retraining on permuted labels), infidelity "
                "and max-sensitivity are in the command hiddenlens trust. ")
    how += "Under the table: what the numbers mean on this network."
    return table(header, rows, heading="Which to trust on this network", how=how)


def _figure(ctx: Context, report):
    from hiddenlens.plot._importance_trust import ImportanceTrustDisplay
    from hiddenlens.plot._trust import AttributionTrustDisplay

    if ctx.is_image:
        d = AttributionTrustDisplay.from_result(report)
        how = ("Top: each method's mean deletion and insertion curve against a random order "
               "(dashed, with its 95% band), and the rank correlation of each method's maps "
               "with the trained network's as the weights are randomized from the output layer "
               "down (below the red line the map changed). Bottom: that cascade as Adebayo et "
               "al. (2018) drew it, two test digits per method; a map that still looks like the "
               "digit after every layer is randomized shows the input, not the network.")
        return figure("Which attribution to trust", how,
                      figs.inline_png(d.figure_, "deletion, insertion and randomization"))
    d = ImportanceTrustDisplay.from_result(report)
    how = ("Left: each importance method's numbers, scaled to its largest (Garson and Olden "
           "give one row per output); right: the deletion and insertion curves their orders "
           "give, against a random order (dashed, with its 95% band).")
    return figure("Which importance to trust", how,
                  figs.inline_png(d.figure_, "importance methods ranked by deletion"))
