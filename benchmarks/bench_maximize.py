"""Activation maximization batched over a whole layer vs the same steps one unit at a time.

The peer is what Lucent and tf-keras-vis do: one optimisation per unit. Both sides call
`maximize_activation` with the same options and random_state (one torch thread each, its
default), so the images must agree to float precision. Also reports, for the nielsen preset, the
share of hidden units whose image beats the best real example, and writes the output-layer figure.

    PYTHONPATH=src python benchmarks/bench_maximize.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

import hiddenlens as hl
from hiddenlens.explain import maximize_activation
from hiddenlens.explain._readable import READABLE

RESULTS = Path(__file__).parent / "results"


def one_at_a_time(net, layer, units, **options):
    rows = [maximize_activation(net, layer, [u], **options).images[0] for u in units]
    return np.stack(rows)


def compare(name, net, layer, units=None, **options):
    t0 = time.perf_counter()
    batched = maximize_activation(net, layer, units, **options)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    looped = one_at_a_time(net, layer, batched.units, **options)
    peer = time.perf_counter() - t0
    diff = float(np.abs(batched.images - looped).max())
    return {"method": name, "peer": "one unit at a time", "units": len(batched.units),
            "n_iterations": options.get("n_iterations", 256), "ours_s": ours, "peer_s": peer,
            "ratio": peer / ours, "max_abs_diff": diff}


def main() -> None:
    ds = hl.load_dataset("mnist-embedded")
    print("Training the nielsen (784-100-10) and keras-blog (784-512-256-10) presets...")
    nielsen = hl.train_preset("nielsen", ds, progress=False)
    keras = hl.train_preset("keras-blog", ds, progress=False)
    maximize_activation(nielsen, 0, [0], n_iterations=2)  # warm-up: first-call allocations
    rows = [
        compare("nielsen layer 0, plain", nielsen, 0),
        compare("nielsen layer 0, blur+l2+jitter, 128 st", nielsen, 0, n_iterations=128,
                **READABLE),
        compare("nielsen layer 0, norm=8, 128 steps", nielsen, 0, n_iterations=128, norm=8.0),
        compare("nielsen output layer (10 units)", nielsen, -1, **READABLE),
        compare("keras-blog layer 0 (512), 64 steps", keras, 0, n_iterations=64),
    ]
    print(f"\n{'method':42s} {'peer':20s} {'ours s':>8s} {'peer s':>8s} {'ratio':>7s} "
          f"{'max abs diff':>13s}")
    for r in rows:
        print(f"{r['method']:42s} {r['peer']:20s} {r['ours_s']:8.3f} {r['peer_s']:8.3f} "
              f"{r['ratio']:6.1f}x {r['max_abs_diff']:13.2e}")
    print("(both sides run maximize_activation with threads=1, its default)")
    atlas_rows = [_atlas_row(nielsen, ds, 0), _atlas_row(keras, ds, 0)]
    for r in atlas_rows:
        print(f"{r['method']:42s} {r['peer']:20s} {r['ours_s']:8.3f} {r['peer_s']:8.3f} "
              f"{r['ratio']:6.1f}x {r['max_abs_diff']:13.2e}  top-k equal: {r['same_top_k']}")

    shares = {}
    for label, options in [("plain", {}), ("blur+l2+jitter", READABLE)]:
        r = maximize_activation(nielsen, 0, X=ds.X, **options)
        shares[label] = r.reached_share
        print(f"nielsen hidden layer, {label}: {r.reached_share:.0%} of 100 units reach at "
              f"least the best of the 5,000 real digits")
    figure = _output_figure(nielsen, ds)
    RESULTS.mkdir(exist_ok=True)
    out = {"rows": rows, "atlas_rows": atlas_rows, "nielsen_hidden_reached_share": shares,
           "output_figure": str(figure.relative_to(RESULTS.parent.parent))}
    (RESULTS / "maximize.json").write_text(json.dumps(out, indent=2))
    print(f"Wrote {RESULTS / 'maximize.json'} and {figure}")


def _atlas_row(net, ds, layer):
    """The streaming atlas vs brute force: every activation held, a full sort per unit."""
    t0 = time.perf_counter()
    at = hl.atlas(net, ds, layer, k=9)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    a = net.trace(ds.X).activations[layer].astype(np.float64)  # (n, units)
    index = np.arange(len(a))
    top = np.array([np.lexsort((index, -a[:, u]))[:9] for u in range(a.shape[1])])
    means = np.stack([a[ds.y == c].mean(0) for c in range(10)], axis=1)
    peer = time.perf_counter() - t0
    return {"method": f"atlas {net.describe_sizes()} layer {layer}",
            "peer": "brute force", "ours_s": ours, "peer_s": peer, "ratio": peer / ours,
            "max_abs_diff": float(np.abs(at.class_means - means).max()),
            "same_top_k": bool(np.array_equal(at.top_indices, top))}


def _output_figure(net, ds) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from hiddenlens.plot import LayerMaximizeDisplay, save_figure

    view = LayerMaximizeDisplay.from_model(net, ds, layer=-1)
    path = RESULTS / "maximize_outputs_nielsen.png"
    RESULTS.mkdir(exist_ok=True)
    save_figure(view.figure_, path, overwrite=True)
    return path


if __name__ == "__main__":
    main()
