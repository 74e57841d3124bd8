"""Training: the presets reach the seeds' accuracies, random_state is exact, resume is exact."""

import numpy as np
import pytest

import hiddenlens as hl


@pytest.fixture(scope="module")
def embedded():
    return hl.load_dataset()


@pytest.mark.parametrize("name,minimum", [
    ("nielsen", 0.89), ("keras-blog", 0.92), ("single-layer", 0.85), ("zero-vs-one", 0.99)])
def test_presets_reach_the_required_accuracy(name, minimum, embedded):
    net = hl.train_preset(name, random_state=0, progress=False)
    ds = hl.load_dataset(classes=[0, 1]) if name == "zero-vs-one" else embedded
    assert net.score(ds.X_test, ds.y_test) >= minimum
    assert net.sizes == hl.PRESETS[name].sizes
    assert len(net.history) == hl.PRESETS[name].epochs
    entry = net.history[-1]
    assert entry["test_accuracy"] == pytest.approx(net.score(ds.X_test, ds.y_test))
    assert entry["samples_per_second"] > 0


def test_same_seed_same_weights_bit_for_bit(embedded):
    a = hl.train_preset("single-layer", embedded, random_state=7, epochs=2, progress=False)
    b = hl.train_preset("single-layer", embedded, random_state=7, epochs=2, progress=False)
    c = hl.train_preset("single-layer", embedded, random_state=8, epochs=2, progress=False)
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.weights[0], c.weights[0])


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_resume_equals_an_uninterrupted_run(tmp_path, optimizer):
    ds = hl.load_dataset("iris")
    options = dict(lr=0.05, batch_size=16, optimizer=optimizer, random_state=3, momentum=0.0,
                   progress=False)

    def fresh():
        return hl.DenseNet([4, 6, 3], "tanh", random_state=1)

    whole = hl.train(fresh(), ds, epochs=6, **options)
    ckpt = tmp_path / "run.ckpt"
    hl.train(fresh(), ds, epochs=3, checkpoint=ckpt, **options)  # "interrupted" after 3
    resumed = hl.train(hl.DenseNet([4, 6, 3], "tanh", random_state=99), ds, epochs=6, resume=ckpt,
                       checkpoint=ckpt, **options)
    for wa, wb in zip(whole.weights + whole.biases, resumed.weights + resumed.biases):
        np.testing.assert_array_equal(wa, wb)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4, 5, 6]


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    ds = hl.load_dataset("iris")
    ckpt = tmp_path / "run.ckpt"
    hl.train(hl.DenseNet([4, 6, 3]), ds, epochs=1, lr=0.1, checkpoint=ckpt, progress=False)
    with pytest.raises(ValueError,
                       match=r"is a checkpoint of a different run \(lr=0.1 \(now 0.2\)"):
        hl.train(hl.DenseNet([4, 6, 3]), ds, epochs=2, lr=0.2, resume=ckpt, progress=False)
    with pytest.raises(ValueError, match=r"different run \(random_state=0 \(now 4\)\)"):
        hl.train(hl.DenseNet([4, 6, 3]), ds, epochs=2, lr=0.1, random_state=4, resume=ckpt,
                 progress=False)


def test_a_generator_random_state_draws_one_integer(embedded):
    drawn = int(np.random.default_rng(0).integers(2**32))
    a = hl.train_preset("single-layer", embedded, random_state=np.random.default_rng(0),
                        epochs=1, progress=False)
    b = hl.train_preset("single-layer", embedded, random_state=drawn, epochs=1, progress=False)
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(wa, wb)


def test_tabular_standardisation_is_learned_on_train_and_stored(tmp_path):
    ds = hl.load_dataset("wine")
    net = hl.train(hl.DenseNet([13, 8, 3], "relu"), ds, epochs=30, lr=0.05, progress=False)
    np.testing.assert_allclose(net.preprocessing["mean"], ds.X_train.mean(0), rtol=1e-5)
    np.testing.assert_allclose(net.preprocessing["scale"], ds.X_train.std(0), rtol=1e-5)
    assert net.score(ds.X_test, ds.y_test) > 0.9  # raw values in, standardised inside
    assert net.feature_names == ds.feature_names and net.class_names == ds.class_names


def test_regression_on_a_csv(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.rand(200, 2)
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.01 * rng.randn(200)
    path = tmp_path / "lin.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{a},{b},{t}" for (a, b), t in zip(X, y)))
    ds = hl.load_dataset(path, target_column="y")
    net = hl.train(hl.DenseNet([2, 1], output_activation="linear"), ds, epochs=60, lr=0.05,
                   progress=False)
    assert net.task == "regression" and net.history[-1]["test_r2"] > 0.95


@pytest.mark.parametrize("call,message", [
    (lambda ds: hl.train(hl.DenseNet([784, 100, 10]), ds, progress=False),
     "The 784-100-10 network takes 784 inputs but iris has 4 features; use sizes starting "
     "with 4."),
    (lambda ds: hl.train(hl.DenseNet([4, 5, 10]), ds, progress=False),
     "The 4-5-10 network has 10 outputs but iris has 3 classes; use sizes ending with 3."),
    (lambda ds: hl.train_preset("nielsen", ds, progress=False),
     "Preset 'nielsen' does not fit iris: The 784-100-10 network takes 784 inputs"),
    (lambda ds: hl.train_preset("lenet", ds), "Unknown preset 'lenet'; the presets are: "
                                              "nielsen, keras-blog, single-layer, zero-vs-one."),
    (lambda ds: hl.train(hl.DenseNet([4, 3]), ds, epochs=0),
     "`epochs` must be an integer in 1..100,000. Got 0 instead."),
    (lambda ds: hl.train_preset("single-layer", ds, init="he"),
     "`init` must be one of 'default', 'normal', 'scaled-normal', 'glorot'. Got 'he' instead."),
    (lambda ds: hl.train(hl.DenseNet([4, 3]), ds, optimizer="lbfgs"),
     "`optimizer` must be one of 'sgd', 'rmsprop', 'adam'. Got 'lbfgs' instead."),
])
def test_bad_training_input(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(hl.load_dataset("iris"))


@pytest.mark.parametrize("sizes,act,out,loss", [
    ([5, 4, 3], "sigmoid", "sigmoid", "quadratic"), ([5, 4, 3], "relu", "softmax", "cross-entropy"),
    ([5, 4, 3], "tanh", "softmax", "quadratic"), ([5, 4, 1], "tanh", "sigmoid", "cross-entropy"),
    ([5, 4, 3, 3], ["relu", "sigmoid"], "sigmoid", "cross-entropy"),
    ([5, 4, 1], "linear", "linear", "mse"), ([5, 1], "sigmoid", "linear", "quadratic"),
])
def test_closed_form_gradients_equal_autograd(sizes, act, out, loss):
    import torch

    from hiddenlens._backprop import loss_gradients
    from hiddenlens._training import TrainConfig, _Loop

    regression = out == "linear"
    net = hl.DenseNet(sizes, act, out, dtype=torch.float64, random_state=2)
    net.set_preprocessing(np.linspace(0, 1, 5), np.linspace(1, 2, 5))
    rng = np.random.RandomState(0)
    y = rng.randn(8).astype(np.float32) if regression else rng.randint(0, max(2, sizes[-1]), 8)
    ds = hl.Dataset(rng.randn(8, 5).astype(np.float32), y, rng.randn(2, 5).astype(np.float32),
                    y[:2], [f"f{i}" for i in range(5)],
                    None if regression else [str(i) for i in range(max(2, sizes[-1]))], "toy",
                    task="regression" if regression else "classification")
    loop = _Loop(net, ds, TrainConfig(loss=loss), None, None)
    x, target = loop.X["train"], loop.target["train"]
    loop.loss(net.module.logits(x), target).backward()
    expected = [p.grad.clone() for p in net.module.parameters()]
    with torch.no_grad():
        got = loss_gradients(net.module, x, loop.dense_target, loss)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), atol=1e-12)



def test_dropout_gradients_equal_autograd_with_the_same_masks():
    import torch

    from hiddenlens._activations import apply_activation
    from hiddenlens._backprop import loss_gradients

    net = hl.DenseNet([5, 6, 4, 3], ["relu", "tanh"], "softmax", dtype=torch.float64,
                      random_state=4)
    x = torch.randn(7, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    target = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 0, 1, 2, 0]), 3).double()
    with torch.no_grad():
        got = loss_gradients(net.module, x, target, "cross-entropy", 0.3,
                             torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)  # the same draws, layer by layer
    a = x
    for l, (lin, name) in enumerate(zip(net.module.linears, net.activations)):
        z = lin(a)
        a = apply_activation(name, z)
        if l < 2:
            a = a * (torch.rand(a.shape, generator=g, dtype=a.dtype) >= 0.3) / 0.7
    torch.nn.functional.cross_entropy(z, target.argmax(1)).backward()
    for mine, ref in zip(got, [p.grad for p in net.module.parameters()]):
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), atol=1e-12)


def test_an_existing_checkpoint_is_refused_before_training(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    ckpt.write_text("keep me")
    net = hl.DenseNet([4, 3])
    with pytest.raises(FileExistsError, match="run.ckpt already exists"):
        hl.train(net, hl.load_dataset("iris"), checkpoint=ckpt, progress=False)
    assert net.history == [] and ckpt.read_text() == "keep me"


def test_resume_writes_its_own_checkpoint_given_as_str_or_path(tmp_path):
    ds, ckpt = hl.load_dataset("iris"), tmp_path / "run.ckpt"
    hl.train(hl.DenseNet([4, 3]), ds, epochs=1, checkpoint=ckpt, progress=False)
    net = hl.train(hl.DenseNet([4, 3]), ds, epochs=2, resume=ckpt, checkpoint=str(ckpt),
                   progress=False)
    assert len(net.history) == 2


def test_evaluate_refuses_labels_outside_the_classes():
    ds = hl.load_dataset("iris")
    net = hl.DenseNet([4, 2])
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                                         r"predicts 0, 1\. Got 2 instead\.$"):
        hl.evaluate(net, ds.X_test, ds.y_test)


def test_resume_asking_for_fewer_epochs_than_done(tmp_path):
    ds, ckpt = hl.load_dataset("iris"), tmp_path / "run.ckpt"
    hl.train(hl.DenseNet([4, 3]), ds, epochs=3, checkpoint=ckpt, progress=False)
    with pytest.raises(ValueError, match="run.ckpt has already trained 3 epochs; ask for "
                                         "epochs >= 3 to continue it."):
        hl.train(hl.DenseNet([4, 3]), ds, epochs=2, resume=ckpt, progress=False)


def test_numpy_scalars_are_accepted_as_rates():
    net = hl.train(hl.DenseNet([4, 3]), hl.load_dataset("iris"), epochs=1, lr=np.float32(0.1),
                   dropout=np.float64(0.0), progress=False)
    assert len(net.history) == 1


def test_resume_refuses_a_checkpoint_of_another_data_set(tmp_path):
    ckpt = tmp_path / "run.ckpt"
    hl.train(hl.DenseNet([4, 3]), hl.load_dataset("iris"), epochs=1, checkpoint=ckpt,
             progress=False)
    ds = hl.load_dataset("wine")
    ds = type(ds)(**{**ds.__dict__, "X_train": ds.X_train[:, :4], "X_test": ds.X_test[:, :4],
                     "feature_names": ds.feature_names[:4]})
    with pytest.raises(ValueError, match=r"different run \(data set 'iris' \(now 'wine'\)"):
        hl.train(hl.DenseNet([4, 3]), ds, epochs=2, resume=ckpt, progress=False)


def test_zero_vs_one_on_a_loaded_ten_class_data_set_keeps_its_digits(embedded):
    net = hl.train_preset("zero-vs-one", embedded, epochs=1, progress=False)
    assert net.class_names == ["0", "1"] and net.history[-1]["test_accuracy"] > 0.95


def test_resume_from_a_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such checkpoint file: .*gone.ckpt."):
        hl.train(hl.DenseNet([4, 3]), hl.load_dataset("iris"), resume=tmp_path / "gone.ckpt",
                 progress=False)
