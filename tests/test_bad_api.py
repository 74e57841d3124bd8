"""Bad arguments through the Python API: counts that are zero, negative, huge or not integers,
networks too large to allocate, unknown names, X of the wrong shape or with NaN/inf, labels
the model does not know, and paths that are not paths. Each is refused with the right
exception type and one sentence, before anything large is allocated."""

import numpy as np
import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, snapshot

IRIS = hl.DenseNet([4, 3, 3], "tanh", random_state=0)
DIGITS = hl.DenseNet([784, 6, 10], image_shape=(28, 28), random_state=0)
X = np.random.default_rng(0).random((20, 4))
Y = np.arange(20) % 3
IMAGES = np.random.default_rng(0).random((2, 784))
HUGE = 10**12

CASES = [
    # id, call, exception, words
    ("densenet-huge", lambda: hl.DenseNet([784, 10**6, 10**4]), ValueError,
     "at most 100,000,000 parameters"),
    ("densenet-too-deep", lambda: hl.DenseNet([2] * 1003), ValueError, "at most 1,000 layers"),
    ("densenet-one-width", lambda: hl.DenseNet([784]), ValueError, "at least two layer widths"),
    ("densenet-zero-width", lambda: hl.DenseNet([784, 0, 10]), ValueError, "each >= 1"),
    ("densenet-text-sizes", lambda: hl.DenseNet("abc"), TypeError,
     "`sizes` must be a sequence of integers"),
    ("densenet-unknown-activation", lambda: hl.DenseNet([4, 3, 3], "bogus"), ValueError,
     "`activation` must be one of"),
    ("ig-steps-huge", lambda: hl.integrated_gradients(DIGITS, IMAGES, 0, n_steps=HUGE),
     ValueError, "`n_steps` must be an integer in 1..1,000"),
    ("ig-steps-zero", lambda: hl.integrated_gradients(IRIS, X, 0, n_steps=0), ValueError,
     "Got 0 instead"),
    ("ig-steps-float", lambda: hl.integrated_gradients(IRIS, X, 0, n_steps=2.5), ValueError,
     "Got 2.5 instead"),
    ("ig-steps-bool", lambda: hl.integrated_gradients(IRIS, X, 0, n_steps=True), ValueError,
     "Got True instead"),
    ("ig-steps-text", lambda: hl.integrated_gradients(IRIS, X, 0, n_steps="50"), ValueError,
     "Got '50' instead"),
    ("ig-unknown-method", lambda: hl.integrated_gradients(IRIS, X, 0, method="bogus"),
     ValueError, "`method` must be one of"),
    ("ig-too-much-work", lambda: hl.integrated_gradients(  # 2,000 x 1,000 x 10,000 > 10**10
        hl.DenseNet([4, 10_000, 3]), np.zeros((2000, 4)), 0, n_steps=1000), ValueError,
     "one call may"),
    ("conductance-steps-huge", lambda: hl.conductance(DIGITS, IMAGES, 0, layer=0,
                                                      n_steps=HUGE), ValueError,
     "`n_steps` must be an integer in 1..1,000"),
    ("neuron-conductance-steps-huge", lambda: hl.neuron_conductance(
        DIGITS, IMAGES, 0, layer=0, unit=0, n_steps=HUGE), ValueError,
     "`n_steps` must be an integer in 1..1,000"),
    ("maximize-iterations-huge", lambda: hl.maximize_activation(DIGITS, -1, n_iterations=10**9),
     ValueError, "`n_iterations` must be an integer in 1..1,000,000"),
    ("maximize-iterations-negative", lambda: hl.maximize_activation(DIGITS, -1,
                                                                    n_iterations=-1),
     ValueError, "Got -1 instead"),
    ("maximize-images-huge", lambda: hl.maximize_activation(DIGITS, -1, n_images=10**9),
     ValueError, "fewer `n_images`"),
    ("maximize-unknown-unit", lambda: hl.maximize_activation(IRIS, -1, units=[99]), ValueError,
     "Got 99 instead"),
    ("smoothgrad-samples-huge", lambda: hl.smoothgrad(DIGITS, IMAGES, 0, n_samples=HUGE),
     ValueError, "a smaller `n_samples`"),
    ("smoothgrad-samples-zero", lambda: hl.smoothgrad(DIGITS, IMAGES, 0, n_samples=0),
     ValueError, "`n_samples` must be an integer >= 1"),
    ("occlusion-window-zero", lambda: hl.occlusion(DIGITS, IMAGES, 0, window=0), ValueError,
     "`window` must be an integer >= 1 or a pair of them"),
    ("occlusion-window-triple", lambda: hl.occlusion(DIGITS, IMAGES, 0, window=(1, 2, 3)),
     ValueError, "Got (1, 2, 3) instead"),
    ("occlusion-stride-float", lambda: hl.occlusion(DIGITS, IMAGES, 0, stride=1.5), ValueError,
     "`stride` must be an integer >= 1"),
    ("permutation-labels-0-99", lambda: hl.permutation_importance(
        DIGITS, np.zeros((100, 784)), np.arange(100), n_repeats=1), ValueError,
     "`y` must hold class labels of this network"),
    ("permutation-labels-short", lambda: hl.permutation_importance(IRIS, X, Y[:3]), ValueError,
     "`y` must hold one label per example (20). Got 3 instead."),
    ("permutation-repeats-huge", lambda: hl.permutation_importance(IRIS, X, Y, n_repeats=HUGE),
     ValueError, "a smaller `n_repeats`"),
    ("permutation-repeats-zero", lambda: hl.permutation_importance(IRIS, X, Y, n_repeats=0),
     ValueError, "`n_repeats` must be an integer >= 1"),
    ("permutation-unknown-scoring", lambda: hl.permutation_importance(IRIS, X, Y,
                                                                      scoring="happiness"),
     ValueError, "Got 'happiness' instead"),
    ("perturbation-repeats-huge", lambda: hl.perturbation_importance(IRIS, X, Y,
                                                                     n_repeats=HUGE),
     ValueError, "a smaller `n_repeats`"),
    ("lek-one-point", lambda: hl.lek_profile(IRIS, X, n_points=1), ValueError,
     "`n_points` must be an integer >= 2"),
    ("lek-points-huge", lambda: hl.lek_profile(IRIS, X, n_points=HUGE), ValueError,
     "a smaller `n_points`"),
    ("top-units-k-zero", lambda: hl.top_units(IRIS, -1, 0, k=0), ValueError, "Got 0 instead"),
    ("top-units-k-huge", lambda: hl.top_units(IRIS, -1, 0, k=HUGE), ValueError, "`k`"),
    ("atlas-k-zero", lambda: hl.atlas(IRIS, X, 0, k=0), ValueError,
     "`k` must be an integer >= 1"),
    ("ablate-unknown-value", lambda: hl.ablate(IRIS, X, Y, 0, value="bogus"), ValueError,
     "Got 'bogus' instead"),
    ("receptive-fields-layer-5", lambda: hl.receptive_fields(IRIS, 5), ValueError,
     "`layer` must be in -2..1"),
    ("saliency-target-99", lambda: hl.saliency(IRIS, X, 99), ValueError,
     "`target` must be a class index in 0..2"),
    ("x-wrong-width", lambda: hl.saliency(IRIS, np.zeros((2, 5)), 0), ValueError,
     "`X` has 5 features per example but the network takes 4 inputs"),
    ("x-three-d", lambda: hl.saliency(IRIS, np.zeros((2, 3, 3)), 0), ValueError,
     "`X` has 9 features per example"),
    ("x-nan", lambda: hl.saliency(IRIS, np.full((2, 4), np.nan), 0), ValueError,
     "`X` contains NaN or infinite values"),
    ("x-inf", lambda: IRIS.predict(np.full((2, 4), np.inf)), ValueError,
     "`X` contains NaN or infinite values"),
    ("x-text", lambda: hl.saliency(IRIS, [["a"] * 4], 0), TypeError,
     "`X` must be an array of numbers"),
    ("predict-wrong-width", lambda: IRIS.predict(np.zeros((2, 7))), ValueError,
     "`X` has 7 features per example"),
    ("load-model-int", lambda: hl.load_model(123), TypeError,
     "`path` must be a file path (a str or a pathlib.Path). Got 123 instead."),
    ("load-model-none", lambda: hl.load_model(None), TypeError,
     "`path` must be a file path (a str or a pathlib.Path). Got None instead."),
    ("train-epochs-zero", lambda: hl.train(hl.DenseNet([4, 3]), "iris", epochs=0,
                                           progress=False), ValueError,
     "`epochs` must be an integer in 1..100,000"),
    ("train-epochs-huge", lambda: hl.train(hl.DenseNet([4, 3]), "iris", epochs=HUGE,
                                           progress=False), ValueError,
     "`epochs` must be an integer in 1..100,000"),
    ("train-batch-zero", lambda: hl.train(hl.DenseNet([4, 3]), "iris", epochs=1, batch_size=0,
                                          progress=False), ValueError,
     "`batch_size` must be an integer >= 1"),
    ("train-wrong-data", lambda: hl.train(hl.DenseNet([4, 3, 3]), "wine", epochs=1,
                                          progress=False), ValueError,
     "takes 4 inputs but wine has 13 features"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_api_refuses_in_one_sentence(case):
    _, call, kind, words = case
    with pytest.raises(kind) as info:
        call()
    assert type(info.value) is kind
    assert words in check_sentence(info.value)


def test_load_model_of_a_folder(tmp_path):
    (tmp_path / "m.safetensors").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        hl.load_model(tmp_path / "m.safetensors")
    assert "is a folder" in check_sentence(info.value, tmp_path / "m.safetensors")


def test_save_model_onto_an_existing_file_leaves_it(tmp_path):
    (tmp_path / "m.safetensors").write_text("precious")
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError) as info:
        hl.save_model(IRIS, tmp_path / "m.safetensors")
    assert "already exists" in check_sentence(info.value, tmp_path / "m.safetensors")
    assert snapshot(tmp_path) == before
    assert (tmp_path / "m.safetensors").read_text() == "precious"
