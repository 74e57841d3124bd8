"""Ablation against a brute-force masking loop, the issue's known answers and its bad inputs."""

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score, log_loss

import hiddenlens as hl
from hiddenlens._activations import apply_activation
from hiddenlens.explain import ablate
from hiddenlens.explain._replacement import donors


def _net(act="relu", out="softmax", sizes=(6, 5, 4, 3), random_state=1):
    net = hl.DenseNet(list(sizes), act, out, dtype=torch.float64, random_state=random_state)
    net.set_preprocessing(np.arange(sizes[0]) * 0.1, np.arange(1, sizes[0] + 1) * 0.5)
    return net


def _data(n=60, d=6, k=3, random_state=0):
    rng = np.random.RandomState(random_state)
    return rng.randn(n, d) * 2, rng.randint(0, k, n)


@torch.no_grad()
def brute_force(net, X, layer, units, V):
    """Outputs (n, n_outputs) with a[layer][:, units] = V[:, units], by a forward by hand."""
    m = net.module
    a = (torch.as_tensor(X) - m.mean) / m.scale
    for l, (lin, name) in enumerate(zip(m.linears, net.activations)):
        a = apply_activation(name, a @ lin.weight.T + lin.bias)
        if l == layer:
            a = a.clone()
            a[:, units] = torch.as_tensor(V, dtype=a.dtype).expand(len(a), -1)[:, units]
    return a.numpy()


def activations(net, X, layer):
    return net.trace(X).activations[layer]


def expected_value(net, X, layer, value, random_state=0):
    a = activations(net, X, layer)
    if value == "zero":
        return np.zeros((1, a.shape[1]))
    if value == "mean":
        return torch.as_tensor(a).mean(0, keepdim=True).numpy()
    if value == "resample":  # the documented draw, written out
        rng = np.random.default_rng(random_state)
        j = rng.integers(0, len(a) - 1, len(a))
        j[j >= np.arange(len(a))] += 1
        return a[j]
    return np.full((1, a.shape[1]), value)


def check_against_brute_force(net, X, y, layer, r, groups, V):
    P0 = net.forward(X)
    for i, g in enumerate(groups):
        P = brute_force(net, X, layer, g, V)
        pred = P.argmax(1)
        assert r.score[i] == np.mean(pred == y), (i, g)
        assert r.loss[i] == pytest.approx(log_loss(y, P, labels=range(P.shape[1])), abs=1e-12)
        for c in range(P.shape[1]):
            assert r.per_class_score[i, c] == np.mean(pred[y == c] == c)
        np.testing.assert_allclose(r.output_change[i], (P - P0).mean(0), atol=1e-14)
    assert r.baseline_score == np.mean(P0.argmax(1) == y)
    np.testing.assert_array_equal(r.drop, r.baseline_score - r.score)
    np.testing.assert_array_equal(r.per_class_drop, r.per_class_baseline - r.per_class_score)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("value", ["zero", "mean", "resample", 1.5])
@pytest.mark.parametrize("layer", [0, 1])
def test_every_unit_equals_the_masking_loop(act, value, layer):
    net, (X, y) = _net(act), _data()
    r = ablate(net, X, y, layer, value=value)
    width = net.sizes[layer + 1]
    assert r.labels == [str(u) for u in range(width)] and r.drop.shape == (width,)
    assert r.per_class_drop.shape == (width, 3) and r.output_change.shape == (width, 3)
    check_against_brute_force(net, X, y, layer, r, [[u] for u in range(width)],
                              expected_value(net, X, layer, value))


@pytest.mark.parametrize("value", ["zero", "mean", "resample"])
def test_groups_and_keep_equal_the_masking_loop(value):
    net, (X, y) = _net("tanh", sizes=(6, 7, 4, 3)), _data()
    V = expected_value(net, X, 0, value)
    r = ablate(net, X, y, 0, [[0, 2], 5, [1, 3, 6]], value=value)
    assert r.labels == ["0+2", "5", "1+3+6"]
    check_against_brute_force(net, X, y, 0, r, [[0, 2], [5], [1, 3, 6]], V)
    k = ablate(net, X, y, 0, keep=[[1], [0, 3, 4]], value=value)
    assert k.labels == ["all but 1", "all but 0+3+4"]
    check_against_brute_force(net, X, y, 0, k, [[0, 2, 3, 4, 5, 6], [1, 2, 5, 6]], V)


def test_resample_draws_another_example_and_accepts_a_generator():
    j = donors(500, 3)
    assert np.all(j != np.arange(500)) and j.min() >= 0 and j.max() <= 499
    net, (X, y) = _net(), _data()
    a = ablate(net, X, y, 0, value="resample", random_state=7)
    b = ablate(net, X, y, 0, value="resample", random_state=np.random.default_rng(7))
    np.testing.assert_array_equal(a.loss, b.loss)


def test_a_dead_unit_and_a_unit_without_outgoing_weights_change_nothing():
    net, (X, y) = _net(), _data()
    W, b = [np.array(w) for w in net.weights], [np.array(v) for v in net.biases]
    W[0][2], b[0][2] = 0.0, -1.0  # relu(-1) = 0 on every example: dead
    W[1][:, 4] = 0.0  # unit 4 reaches nothing
    net.set_parameters(W, b)
    assert activations(net, X, 0)[:, 2].max() == 0
    for value in ("zero", "mean", "resample", 3.0):
        r = ablate(net, X, y, 0, value=value)
        for u in (2, 4) if value in ("zero", "mean") else (4,):
            assert r.drop[u] == 0 and r.loss_increase[u] == 0
            assert not r.output_change[u].any() and not r.per_class_drop[u].any()


@pytest.fixture(scope="module")
def zero_vs_one():
    data = hl.load_dataset(classes=[0, 1])
    return hl.train_preset("zero-vs-one", data, progress=False), data


def test_one_hidden_unit_knocked_out_leaves_the_majority_share(zero_vs_one):
    net, data = zero_vs_one
    X, y = data.X_test, data.y_test
    r = ablate(net, X, y, 0)
    assert r.baseline_score > 0.95
    constant = brute_force(net, X, 0, [0], np.zeros((1, 1))).argmax(1)
    assert len(set(constant)) == 1  # without its one hidden unit the net answers one class
    assert r.score[0] == np.mean(y == constant[0]) == np.bincount(y).max() / len(y)
    assert r.per_class_score[0, constant[0]] == 1 and r.per_class_score[0, 1 - constant[0]] == 0


@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")  # 10 sigmoids
def test_real_digits_equal_the_masking_loop_in_float32(nielsen_net, embedded):
    X, y = embedded.X_test[:300], embedded.y_test[:300]
    r = ablate(nielsen_net, X, y, 0)
    m = nielsen_net.module
    with torch.no_grad():
        a0 = torch.sigmoid(m.linears[0](torch.as_tensor(X)))
        for u in range(100):
            a = a0.clone()
            a[:, u] = 0
            P = torch.sigmoid(m.linears[1](a)).numpy()
            assert r.score[u] == np.mean(P.argmax(1) == y)
            assert abs(r.loss[u] - log_loss(y, P, labels=range(10))) < 1e-6


def test_other_scorers_per_class_and_a_regressor():
    net, (X, y) = _net("sigmoid"), _data()
    r = ablate(net, X, y, 0, [1], scoring="balanced_accuracy")
    P = brute_force(net, X, 0, [1], np.zeros((1, 5)))
    assert r.score[0] == balanced_accuracy_score(y, P.argmax(1))
    assert r.per_class_score[0, 2] == np.mean(P.argmax(1)[y == 2] == 2)
    reg = _net("tanh", "linear", sizes=(6, 5, 2))
    t = np.random.RandomState(1).randn(60, 2)
    rr = ablate(reg, X, t, 0, per_class=True)
    assert rr.scoring == "r2" and rr.per_class_drop is None
    Q = brute_force(reg, X, 0, [3], np.zeros((1, 5)))
    assert rr.loss[3] == pytest.approx(((Q - t) ** 2).mean(), abs=1e-12)


def test_to_frame_and_ranking():
    net, (X, y) = _net(), _data()
    r = ablate(net, X, y, 0, [[0, 1], 2])
    df = r.to_frame()
    assert list(df.columns[:5]) == ["units", "score", "drop", "loss", "loss_increase"]
    assert "drop[2]" in df and "output_change[0]" in df and len(df) == 2
    assert sorted(r.ranking) == [0, 1] and r.row_of(2) == 1 and r.row_of(0) is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer=0, units=[5]), "`units` must hold unit indices in 0..4 for layer 0, which has 5 "
                               "units. Got 5 instead."),
    (dict(layer=0, units=[[1, 1]]), "`units` must list each group's units once, and no group "
                                    "may be empty. Got [1, 1] instead."),
    (dict(layer=3), "`layer` must be in -3..2 for this 6-5-4-3 network (0 is the first hidden "
                    "layer, -1 the output). Got 3 instead."),
    (dict(layer=-1), "`layer` must be a hidden layer (0..1) for this 6-5-4-3 network. Got -1 "
                     "(the output layer) instead; switching an output off only removes its "
                     "class, so ablate a hidden layer and read `per_class_drop` for what each "
                     "class needs."),
    (dict(layer=0, value="median"), "`value` must be 'zero', 'mean', 'resample' or a finite "
                                    "number. Got 'median' instead."),
    (dict(layer=0, keep=[0, 1, 2, 3, 4]), None),
    (dict(layer=0, keep=[[0, 1, 2, 3, 4]]), "`keep` must leave at least one unit of layer 0 "
                                            "to ablate. Got [[0, 1, 2, 3, 4]] (all 5 units) "
                                            "instead."),
    (dict(layer=0, units=[1], keep=[2]), "Pass `units` or `keep`, not both: `keep` ablates "
                                         "every unit except the ones it lists. Got units=[1] "
                                         "and keep=[2]."),
])
def test_bad_input_is_one_sentence(kwargs, message):
    net, (X, y) = _net(), _data()
    if message is None:  # five single-unit keeps are fine: each ablates the other four
        assert len(ablate(net, X, y, **kwargs).groups[0]) == 4
        return
    with pytest.raises(ValueError) as err:
        ablate(net, X, y, **kwargs)
    assert str(err.value) == message


def test_bad_labels_and_random_state():
    net, (X, y) = _net(), _data()
    with pytest.raises(ValueError, match=r"^`y` must hold one label per example \(60\)\. Got 59 "
                                         r"labels instead\.$"):
        ablate(net, X, y[:-1], 0)
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                                         r"predicts 0, 1, 2\. Got 3 instead\.$"):
        ablate(net, X, y + 1, 0)
    with pytest.raises(ValueError, match=r"^`random_state` must be an int >= 0, None or a "):
        ablate(net, X, y, 0, value="resample", random_state="zero")
