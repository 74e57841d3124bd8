"""Names read from files (a CSV's header and labels, its file name as the data set's name, a
model's metadata) are drawn as plain text by every figure and the report: "$\\undefinedcommand$"
is never handed to matplotlib's mathtext parser, which would fail on it."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest

import hiddenlens as hl
from hiddenlens.plot import (
    AblationDisplay,
    AttributionDisplay,
    AttributionTrustDisplay,
    CompositeDisplay,
    ConductanceDisplay,
    ContributionDisplay,
    ImportanceDisplay,
    ImportanceTrustDisplay,
    LayerMaximizeDisplay,
    LekProfileDisplay,
    NetworkDiagramDisplay,
    NeuronCardDisplay,
    PatchDisplay,
    ReceptiveFieldsDisplay,
    SelectivityImportanceDisplay,
    TopUnitsDisplay,
    TraceDisplay,
)

FEATURES = ["$\\undefinedcommand$", "cost $5-$10", "$x^{$"]
CLASSES = ["$\\alpha$", "$\\frac$", "plain"]


@pytest.fixture(scope="module")
def odd(tmp_path_factory):
    """A CSV whose header, labels and file name are all mathtext that does not parse."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = np.argmax(X + rng.normal(scale=0.3, size=X.shape), axis=1)
    path = tmp_path_factory.mktemp("odd") / "$\\badname$.csv"
    rows = [",".join(f"{v:.4f}" for v in x) + f",{CLASSES[c]}" for x, c in zip(X, y)]
    path.write_text(",".join(FEATURES) + ",label\n" + "\n".join(rows) + "\n")
    ds = hl.load_dataset(path, target_column="label")
    net = hl.train(hl.DenseNet([3, 4, 3], "tanh", random_state=0), ds, epochs=5,
                   progress=False)
    assert net.feature_names == FEATURES and net.data_name == "$\\badname$"
    return net, ds


def _image_net():
    """An image model whose class names and data set name came from a file."""
    return hl.DenseNet([784, 6, 3], "sigmoid", random_state=0, image_shape=(28, 28),
                       class_names=CLASSES, data_name="$\\badname$")


def _pair(net, X):
    pred = net.predict(X)
    return X[0], X[int(np.flatnonzero(pred != pred[0])[0])]


DRAW = {
    "fields": lambda n, d: ReceptiveFieldsDisplay.from_model(n),
    "fields-layer-1": lambda n, d: ReceptiveFieldsDisplay.from_model(n, layer=1),
    "contributions": lambda n, d: ContributionDisplay.from_model(n, d.X_test[0], unit=1),
    "top-units": lambda n, d: TopUnitsDisplay.from_model(n, unit=1, k=2),
    "composite": lambda n, d: CompositeDisplay.from_model(n),
    "trace": lambda n, d: TraceDisplay.from_model(n, d.X_test[0], label=d.y_test[0]),
    "diagram": lambda n, d: NetworkDiagramDisplay.from_model(n, bias=True),
    "attribution": lambda n, d: AttributionDisplay.from_model(
        _image_net(), np.full(784, 0.5), method=["saliency", "ig"], target=0),
    "image-maximize": lambda n, d: LayerMaximizeDisplay.from_model(
        _image_net(), layer=-1, maximize_kw={"n_iterations": 3}),
    "image-composite": lambda n, d: CompositeDisplay.from_model(_image_net()),
    "permutation": lambda n, d: ImportanceDisplay.from_model(n, d.X_test, d.y_test,
                                                             n_repeats=1, random_state=0),
    "olden": lambda n, d: ImportanceDisplay.from_model(n, method="olden", target=1),
    "garson": lambda n, d: ImportanceDisplay.from_model(n, method="garson"),
    "lek": lambda n, d: LekProfileDisplay.from_model(n, d.X_test, n_points=5, target=1),
    "card": lambda n, d: NeuronCardDisplay.from_model(n, d, layer=0, unit=1,
                                                      maximize_kw={"n_iterations": 3}),
    "maximize": lambda n, d: LayerMaximizeDisplay.from_model(n, d, layer=-1,
                                                             maximize_kw={"n_iterations": 3}),
    "ablation": lambda n, d: AblationDisplay.from_model(n, d.X_test, d.y_test, 0),
    "selectivity": lambda n, d: SelectivityImportanceDisplay.from_model(n, d, layer=0,
                                                                        n_resamples=20),
    "patch": lambda n, d: PatchDisplay.from_model(n, *_pair(n, d.X_test), 0),
    "conductance": lambda n, d: ConductanceDisplay.from_model(n, d.X_test[0], 0, n_steps=4,
                                                              target=1),
    "importance-trust": lambda n, d: ImportanceTrustDisplay.from_model(n, d.X_test, d.y_test),
    "attribution-trust": lambda n, d: AttributionTrustDisplay.from_model(
        _image_net(), np.random.default_rng(0).random((6, 784)), np.array([0, 1, 2] * 2),
        methods=["saliency", "input-x-gradient"], metrics=["deletion", "insertion"]),
}


@pytest.mark.parametrize("name", list(DRAW))
def test_every_figure_draws_names_from_files_as_text(odd, name):
    net, ds = odd
    d = DRAW[name](net, ds)
    buffer = io.BytesIO()
    d.figure_.savefig(buffer, format="png")  # mathtext would raise here
    texts = [t.get_text() for t in d.figure_.findobj(lambda a: hasattr(a, "get_text"))]
    shown = " ".join(texts)
    assert "$" not in shown.replace("\\$", ""), [t for t in texts if "$" in t]
    plt.close(d.figure_)


def test_the_report_draws_names_from_files_as_text(odd):
    from hiddenlens.report import build_report

    net, ds = odd
    page = build_report(net, ds, progress=False)  # every section: every figure renders
    assert "$\\undefinedcommand$" in page  # the tables show the name as it is
