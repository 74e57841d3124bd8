"""occlusion against Captum's Occlusion on real digits; image patches as feature groups."""

import numpy as np
import pytest
import torch
from captum.attr import Occlusion

import hiddenlens as hl
from _captum_models import Logits
from hiddenlens.explain import image_patches, occlusion


@pytest.fixture(scope="module")
def digits():
    ds = hl.load_dataset("mnist-embedded")
    pick = np.arange(4) * 241
    return ds.X_test[pick], ds.y_test[pick]


@pytest.mark.parametrize("window,stride,baseline", [((4, 4), 2, 0.0), ((6, 5), (3, 4), 0.3),
                                                    (7, 7, 0.0), ((5, 5), 4, 0.5)])
def test_occlusion_equals_captum(digits, window, stride, baseline):
    X, y = digits
    net = hl.DenseNet([784, 30, 10], "relu", random_state=1, image_shape=(28, 28))
    ours = occlusion(net, X, y, window=window, stride=stride, baseline=baseline)
    win = (window, window) if np.ndim(window) == 0 else window
    theirs = Occlusion(Logits(net)).attribute(
        torch.tensor(X).reshape(-1, 28, 28), sliding_window_shapes=tuple(win), strides=stride,
        baselines=baseline, target=torch.tensor(y))
    np.testing.assert_allclose(ours, theirs.reshape(len(X), -1).numpy(), atol=1e-5)


def test_occlusion_of_probabilities_and_per_image_baselines(digits):
    X, y = digits
    net = hl.DenseNet([784, 16, 8, 10], "sigmoid", random_state=2, image_shape=(28, 28))
    B = np.random.RandomState(0).rand(*X.shape).astype(np.float32)
    ours = occlusion(net, X, 3, window=6, stride=3, baseline=B, pre_activation=False)
    theirs = Occlusion(Logits(net, probability=True)).attribute(
        torch.tensor(X).reshape(-1, 28, 28), sliding_window_shapes=(6, 6), strides=3,
        baselines=torch.tensor(B).reshape(-1, 28, 28), target=3)
    np.testing.assert_allclose(ours, theirs.reshape(len(X), -1).numpy(), atol=1e-6)


def test_image_patches_tile_the_image_like_captum():
    patches = image_patches((28, 28), window=(4, 4), stride=2)
    assert len(patches) == 13 * 13
    assert patches["rows 0-3, cols 0-3"][:5] == [0, 1, 2, 3, 28]
    cut = image_patches((10, 10), window=4, stride=4)  # at 0, 4, 8: the last is cut to 2 pixels
    assert len(cut) == 9 and len(cut["rows 8-9, cols 8-9"]) == 4


def test_occlusion_refuses_tabular_models_and_bad_baselines(digits):
    X, _ = digits
    tab = hl.DenseNet([13, 6, 3], random_state=0)
    with pytest.raises(ValueError, match=r"occlusion slides a window over images, but this "
                                         r"13-6-3 network has no image_shape; for tabular "
                                         r"features use perturbation_importance"):
        occlusion(tab, np.zeros((2, 13)))
    net = hl.DenseNet([784, 8, 10], random_state=0, image_shape=(28, 28))
    with pytest.raises(ValueError, match=r"`baseline` must be a number, one input of shape "
                                         r"\(784,\) or one per example \(4, 784\)\. Got "
                                         r"shape \(3, 784\) instead\."):
        occlusion(net, X, 1, baseline=np.zeros((3, 784)))
    with pytest.raises(ValueError, match=r"`stride` \(5, 5\) must not exceed `window`"):
        occlusion(net, X, 1, window=4, stride=5)
    with pytest.raises(ValueError, match=r"`target` must be a class index in 0\.\.9"):
        occlusion(net, X, -1)
