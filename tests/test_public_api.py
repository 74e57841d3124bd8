"""The public API: every exported name resolves, subpackages are reachable as attributes, and
an unknown name is an AttributeError (not an ImportError or KeyError)."""

import subprocess
import sys

import pytest

import hiddenlens as hl


@pytest.mark.parametrize("name", sorted(hl.__all__))
def test_every_exported_name_resolves(name):
    assert getattr(hl, name) is not None


def test_subpackages_are_attributes_after_a_plain_import():
    code = ("import hiddenlens as hl; "
            "print(hl.plot.AttributionTrustDisplay.__name__, hl.explain.ablate.__name__, "
            "hl.data.load_dataset.__name__, hl.io.load_model.__name__, "
            "hl.report.write_report.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["AttributionTrustDisplay", "ablate", "load_dataset", "load_model",
                   "write_report"]
    assert {"plot", "explain", "data", "io", "report"} <= set(dir(hl))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'plots'"):
        hl.plots  # noqa: B018
