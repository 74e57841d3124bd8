"""atlas(by="contribution"): examples ranked by a unit's share in the predicted class's logit."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import atlas


@pytest.fixture(scope="module")
def net(embedded):
    net = hl.DenseNet([784, 12, 8, 10], "relu", random_state=5, image_shape=(28, 28))
    return hl.train(net, hl.load_dataset(train_size=600), epochs=15, lr=0.1, progress=False)


def ranked(values, k):
    """Top and bottom k rows per column, ties to the lower row, by lexsort."""
    order = np.arange(len(values))
    top = np.array([np.lexsort((order, -values[:, u]))[:k] for u in range(values.shape[1])])
    bottom = np.array([np.lexsort((order, values[:, u]))[:k] for u in range(values.shape[1])])
    return top, bottom


def test_last_hidden_layer_is_activation_times_the_predicted_class_weight(net, embedded):
    X = embedded.X_test
    t = net.trace(X)
    a, c = t.activations[1].astype(np.float64), t.pre_activations[2].argmax(1)
    share = a * net.weights[2][c]  # (n, 8): a_j W[c, j], the unit's part of the logit
    at = atlas(net, X, 1, k=5, by="contribution", chunk_size=300)
    top, bottom = ranked(share, 5)
    np.testing.assert_array_equal(at.top_indices, top)
    np.testing.assert_array_equal(at.bottom_indices, bottom)
    np.testing.assert_allclose(at.top_contributions, np.take_along_axis(share.T, top, 1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(at.top_activations, np.take_along_axis(a.T, top, 1))
    np.testing.assert_array_equal(at.bottom_activations, np.take_along_axis(a.T, bottom, 1))
    assert at.by == "contribution"
    plain = atlas(net, X, 1, k=5, chunk_size=300)
    np.testing.assert_array_equal(plain.mean, at.mean)  # statistics stay the activations'
    assert plain.by == "activation" and plain.top_contributions is None


def test_deeper_layer_is_activation_times_the_autograd_gradient(net, embedded):
    X = torch.as_tensor(embedded.X_test[:400])
    m = net.module
    a0 = torch.relu(m.linears[0](m.standardize(X))).detach().requires_grad_()
    logits = m.linears[2](torch.relu(m.linears[1](a0)))
    c = logits.argmax(1)
    (grad,) = torch.autograd.grad(logits.gather(1, c[:, None]).sum(), a0)
    share = (a0 * grad).detach().double().numpy()
    at = atlas(net, X.numpy(), 0, k=3, by="contribution")
    top, _ = ranked(share, 3)
    np.testing.assert_allclose(at.top_contributions, np.take_along_axis(share.T, top, 1),
                               rtol=1e-4, atol=1e-6)


def test_bad_by_and_the_output_layer(net, embedded):
    with pytest.raises(ValueError, match=r"^`by` must be one of 'activation', 'contribution'\. "
                                         r"Got 'gradient' instead\.$"):
        atlas(net, embedded, 0, by="gradient")
    with pytest.raises(ValueError, match=r"^`layer` must be a hidden layer \(0\.\.1\) for this "
                                         r"784-12-8-10 network\. Got -1 \(the output layer\) "):
        atlas(net, embedded, -1, by="contribution")
