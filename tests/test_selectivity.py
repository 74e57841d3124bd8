"""Selectivity against importance: scipy's Spearman and a bootstrap written out by hand."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from hiddenlens.explain import ablate, atlas, selectivity_importance


@pytest.fixture(scope="module")
def parts(nielsen_net, embedded):
    return (atlas(nielsen_net, embedded, 0, k=1),
            ablate(nielsen_net, embedded.X_test, embedded.y_test, 0))


def test_rho_and_interval_equal_scipy_on_the_documented_resamples(parts):
    at, ab = parts
    r = selectivity_importance(at, ab, n_resamples=200, random_state=3)
    assert r.rho == pytest.approx(spearmanr(at.class_selectivity, ab.drop).statistic, abs=1e-12)
    idx = np.random.default_rng(3).integers(0, 100, (200, 100))
    rhos = [spearmanr(at.class_selectivity[i], ab.drop[i]).statistic for i in idx]
    np.testing.assert_allclose(r.interval, np.nanpercentile(rhos, [2.5, 97.5]), atol=1e-12)
    assert r.interval[0] <= r.rho <= r.interval[1]
    loss = selectivity_importance(at, ab, by="loss_increase", n_resamples=10)
    np.testing.assert_array_equal(loss.importance, ab.loss_increase)
    assert list(r.to_frame().columns) == ["unit", "selectivity", "importance"]


def test_bad_input_is_one_sentence(parts, nielsen_net, embedded):
    at, ab = parts
    groups = ablate(nielsen_net, embedded.X_test[:30], embedded.y_test[:30], 0, [[0, 1]])
    with pytest.raises(ValueError) as err:
        selectivity_importance(at, groups)
    assert str(err.value) == ("`ablation` must hold every unit of layer 0 alone, as "
                              "ablate(net, X, y, 0) returns. Got layer 0 with 1 rows instead.")
    with pytest.raises(ValueError, match=r"^`atlas_result` must have class selectivity"):
        selectivity_importance(atlas(nielsen_net, embedded.X_test, 0, k=1), ab)
    with pytest.raises(ValueError, match=r"^`confidence_level` must be in \(0, 1\)\. Got 95 "):
        selectivity_importance(at, ab, confidence_level=95)
