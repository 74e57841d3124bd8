"""The report's "which to trust on this network" parts: the table holds evaluate_attributions'
(or evaluate_importances') numbers on the stated subset, the sentences say what they mean, and
the cascade figure is there."""

import html
import re

import pytest

import hiddenlens as hl
from hiddenlens.explain._describe_trust import method_title, sanity_words
from hiddenlens.report import build_report
from hiddenlens.report._trust import METRICS, N_TRUST


@pytest.fixture(scope="module")
def digit_net(embedded):
    net = hl.DenseNet([784, 16, 10], "sigmoid", random_state=0)
    return hl.train(net, embedded, epochs=2, progress=False)


def _rows(page: str) -> list[list[str]]:
    """The cells of the trust table, unescaped."""
    body = re.search(r"<h3>Which to trust on this network</h3>.*?<tbody>(.*?)</tbody>", page,
                     re.S).group(1)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_digit_report_scores_the_methods_on_its_stated_subset(digit_net, embedded):
    page = build_report(digit_net, embedded, sections=["importance"], progress=False)
    X, y = embedded.X_test[:N_TRUST], embedded.y_test[:N_TRUST]
    report = hl.evaluate_attributions(digit_net, X, y, metrics=METRICS)
    assert f"Scored on the first {N_TRUST} test digits (of 1000), best first." in page
    want = []
    for r in report.table.sort_values("rank").to_dict("records"):
        want.append([method_title(r["method"]),
                     f"{r['deletion_auc']:.3f} vs {r['deletion_random_auc']:.3f}",
                     f"{r['insertion_auc']:.3f} vs {r['insertion_random_auc']:.3f}",
                     f"{r['faithfulness_correlation']:.3f}",
                     sanity_words(report, r["method"]), str(r["rank"]), r["verdict"]])
    assert _rows(page) == want
    for sentence in report.summary().split(". "):  # the points under the table
        assert html.escape(sentence.rstrip(".")) in page
    assert "<figcaption><b>Which attribution to trust.</b>" in page
    assert 'alt="deletion, insertion and randomization"' in page


def test_the_tabular_report_ranks_the_importance_methods(iris_net, iris_data):
    page = build_report(iris_net, iris_data, sections=["importance"], progress=False)
    n = min(N_TRUST, len(iris_data.X_test))
    report = hl.evaluate_importances(iris_net, iris_data.X_test[:n], iris_data.y_test[:n])
    want = [[method_title(r["method"]),
             f"{r['deletion_auc']:.3f} vs {r['deletion_random_auc']:.3f}",
             f"{r['insertion_auc']:.3f} vs {r['insertion_random_auc']:.3f}",
             str(r["rank"]), r["verdict"]]
            for r in report.table.sort_values("rank").to_dict("records")]
    assert _rows(page) == want
    assert f"Scored on the first {n} test examples (of {len(iris_data.X_test)})" in page
    assert "<figcaption><b>Which importance to trust.</b>" in page
