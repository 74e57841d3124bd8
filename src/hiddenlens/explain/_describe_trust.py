"""A TrustReport in words: the line under each map, the sanity checks, the summary sentence.

Every claim names its number. The figures (`AttributionTrustDisplay`, `AttributionDisplay`'s
trust line), the report's table and the `hiddenlens trust` command all use these sentences.
"""

from __future__ import annotations

import numpy as np

BLACK_EFFECT = 0.25  # a failing method whose maps are exactly 0 on this share of inputs


def method_title(name: str) -> str:
    """The registry's title of a method ("integrated gradients"), else its name."""
    from hiddenlens.explain._methods import methods

    for kind in ("attribution", "importance"):
        known = methods(kind)
        if name in known:
            return known[name].title
    return name


def is_importance(report) -> bool:
    """Whether the report ranks feature-importance methods (`evaluate_importances`)."""
    from hiddenlens.explain._methods import methods

    known = methods("importance")
    return bool(report.attributions) and all(m in known for m in report.attributions)


def _row(report, name: str) -> dict | None:
    t = report.table
    if t is None or "method" not in t or name not in set(t["method"]):
        return None
    return t.set_index("method").loc[name].to_dict()


def _names(names: list[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    names = [method_title(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _capital(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _count(report) -> str:
    """"200 test digits" / "38 examples"."""
    n = report.settings.get("n_examples", 0)
    return f"{n} {'digits' if report.settings.get('image_shape') else 'examples'}"


def sanity_words(report, name: str) -> str:
    """The sanity checks of one method in words with their numbers, or "" when none ran:
    "changes when the weights are randomized (rank correlation at most 0.43, below 0.5)"."""
    checks = report.checks.get(name, {})
    parts = []
    for metric, what in (("randomization", "the weights are randomized"),
                         ("label_randomization", "it is retrained on permuted labels")):
        check = checks.get(metric)
        if check is None:
            continue
        top = float(np.max(check.similarity[1:]))
        verb = "changes" if check.passed else "barely changes"
        side = "below" if check.passed else "not below"
        parts.append(f"{verb} when {what} (rank correlation at most {top:.2f}, {side} "
                     f"{check.threshold:g})")
    return "; ".join(parts)


def map_line(report, name: str) -> str:
    """The lines under a method's map: its deletion AUC against random order, its rank among
    the methods and the sanity checks, on the report's examples."""
    row = _row(report, name)
    if row is None:
        return "not scored"
    lines = []
    if "deletion_auc" in row:
        lines.append(f"deletion AUC {row['deletion_auc']:.3f} (random "
                     f"{row['deletion_random_auc']:.3f})")
    if "rank" in row:
        lines.append(f"rank {int(row['rank'])} of {len(report.table)} on {_count(report)}")
    checks = report.checks.get(name, {})
    verdicts = [("weights" if m == "randomization" else "labels",
                 "pass" if c.passed else "fail") for m, c in checks.items()]
    if len(verdicts) == 1:
        lines.append(f"sanity check ({verdicts[0][0]}): {verdicts[0][1]}")
    elif verdicts:
        lines.append("sanity checks: " + ", ".join(f"{k} {v}" for k, v in verdicts))
    return "\n".join(lines) or "not scored"


def black_pixel_failures(report) -> list[str]:
    """Methods that fail the weight check while their maps are exactly 0 on at least a
    quarter of the inputs: the ties, not the model, hold their |attribution| ranks in place."""
    out = []
    for name, checks in report.checks.items():
        check, row = checks.get("randomization"), _row(report, name)
        if check is not None and check.abs and not check.passed and row is not None and \
                row.get("zero_share", 0) >= BLACK_EFFECT:
            out.append(name)
    return out


def trust_summary(report) -> str:
    """What the table means on this network, in a few sentences: the most faithful method,
    which pass the sanity checks, and why some fail when their maps are 0 on black pixels."""
    return " ".join(trust_sentences(report))


def trust_sentences(report) -> list[str]:
    """`trust_summary`'s sentences, one point each (the report lists them)."""
    t = report.table
    if t is None or not len(t):
        return ["No method was scored."]
    sentences = []
    if "rank" in t:
        tied = t.loc[t["rank"] == 1]
        best = tied.iloc[0]
        kind = "deletion" if "deletion_auc" in t else "insertion"
        one = len(tied) == 1
        verb = (f"delete{'s' if one else ''} the class score fastest" if kind == "deletion"
                else f"restore{'s' if one else ''} the class score fastest")
        what = ("it is the most faithful" if one else
                "tied, they are the most faithful")
        sentences.append(
            f"On these {_count(report)}, {_names(list(tied['method']))} {verb} "
            f"({kind} AUC {best[f'{kind}_auc']:.3f} against {best[f'{kind}_random_auc']:.3f} "
            f"for a random order): {what} of the {len(t)} methods.")
        worse = [m for m, b in zip(t["method"], t[f"{kind}_beats_random"]) if not b]
        if worse:
            sentences.append(_capital(f"{_names(worse)} {'is' if len(worse) == 1 else 'are'} "
                                      "no better than a random order."))
    checked = [m for m in t["method"] if "randomization" in report.checks.get(m, {})]
    if checked:
        passed = [m for m in checked if report.checks[m]["randomization"].passed]
        failed = [m for m in checked if m not in passed]
        threshold = report.checks[checked[0]]["randomization"].threshold
        if passed and failed:
            one = len(passed) == 1
            words = (f"{_names(passed)} pass{'es' if one else ''} the weight-randomization "
                     f"check ({'its map changes' if one else 'their maps change'}: rank "
                     f"correlation below {threshold:g}); {_names(failed)} "
                     f"fail{'s' if len(failed) == 1 else ''} it")
        elif passed:
            words = f"every method passes the weight-randomization check (below {threshold:g})"
        else:
            words = (f"no method passes the weight-randomization check: every map stays "
                     f"correlated above {threshold:g} with the trained network's")
        sentences.append(_capital(words + "."))
    black = black_pixel_failures(report)
    if black:
        image = report.settings.get("image_shape") is not None
        what = "pixels" if image else "inputs"
        shares = ", ".join(f"{method_title(m)} on {100 * _row(report, m)['zero_share']:.0f}%"
                           for m in black)
        black_share = report.settings.get("black_share") or 0.0
        why = (f"because the input there is black ({100 * black_share:.0f}% of the pixels "
               "are)" if image else "because the input there is at the baseline")
        sentences.append(
            f"The maps of {_names(black)} are exactly 0 on many {what} whatever the weights "
            f"({shares}), {why}. "
            "Ranked by |attribution|, those ties keep the correlation high, so the check sees "
            "where the ink is rather than what the network learned: a property of these maps "
            "on this data (compare signed maps with abs=False), not proof that the method "
            "ignores the model.")
    if "faithfulness_correlation" in t:
        best = t.loc[t["faithfulness_correlation"].idxmax()]
        sentences.append(f"Faithfulness correlation is highest for "
                         f"{method_title(best['method'])} "
                         f"({best['faithfulness_correlation']:.2f}).")
    return sentences


def trust_title(report) -> str:
    """Two lines for a figure: what was scored, then the most faithful method and who passes
    the weight check."""
    s = report.settings
    what = "importance" if is_importance(report) else "attribution"
    head = f"Which {what} to trust: {s.get('model', 'the network')}, {_count(report)}"
    t, parts = report.table, []
    if t is not None and "rank" in t and len(t):
        tied = t.loc[t["rank"] == 1]
        best = tied.iloc[0]
        kind = "deletion" if "deletion_auc" in t else "insertion"
        parts.append(f"most faithful: {_names(list(tied['method']))} ({kind} AUC "
                     f"{best[f'{kind}_auc']:.3f}, random order {best[f'{kind}_random_auc']:.3f})")
    checked = [m for m in report.checks if "randomization" in report.checks[m]]
    if checked:
        passed = [m for m in checked if report.checks[m]["randomization"].passed]
        parts.append(f"weight check passed by {_names(passed)}" if passed
                     else "no method passes the weight check")
    return head + ("\n" + "; ".join(parts) if parts else "")
