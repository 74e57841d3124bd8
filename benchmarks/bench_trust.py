"""Trust metrics against their peers, side by side: same model, inputs and attributions.

The nielsen preset (784-100-10 sigmoid, float32) trained on the embedded digits, its saliency
maps of the 1,000 test digits, and:

- pixel_flipping (one pixel a step), region_perturbation (8x8, AOPC) and
  faithfulness_correlation (100 subsets of 224) vs quantus.PixelFlipping /
  RegionPerturbation / FaithfulnessCorrelation; Quantus runs one forward pass per step and
  batch of 64, so where it would take minutes it is timed on a stated subset and its time
  scaled by 1000 / subset (its work is linear in the examples); max |diff| on that subset,
  FaithfulnessCorrelation's on Quantus's own subsets;
- infidelity (10 removed 4x4 squares; and 10 Gaussian perturbations, sd 0.1) and
  max_sensitivity (saliency, 10 uniform deltas of radius 0.02) vs captum.metrics, the same
  perturbations given to both;
- evaluate_attributions on 500 digits, five methods, every metric (label randomization
  retrains the net), on 1 and on 2 threads: the whole `hiddenlens trust`.

Each Captum row's note gives the floor: the time of the work no implementation can skip (the
forward pass of X for removed squares; layer 0's dense product for dense perturbations, which
change every pixel), and so the largest ratio any implementation could reach.

Run:  PYTHONPATH=src python benchmarks/bench_trust.py [--tables]
--tables also prints the tables a user sees for the nielsen and keras-blog presets.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch

import hiddenlens as hl
from _common import Logits, best_time, report, row

N = 1000
SUBSET = {"pixel_flipping": 100, "region_perturbation": N, "faithfulness_correlation": 200}


def quantus_rows(net, X, y, A):
    import quantus

    model, rows = Logits(net).eval(), []
    images = lambda Z: Z.reshape(-1, 1, 28, 28)  # noqa: E731

    def peer(metric, m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array(metric(model, images(X[:m]), y[:m], images(A[:m])))

    m = SUBSET["pixel_flipping"]
    ours_s, ours = best_time(lambda: hl.pixel_flipping(net, X, y, A), 2)
    peer_s, theirs = best_time(lambda: peer(quantus.PixelFlipping(disable_warnings=True), m), 1)
    rows.append(row("pixel_flipping (1 pixel/step)", "quantus.PixelFlipping", ours_s,
                    peer_s * N / m, np.abs(ours[:m] - theirs).max(), f"Quantus on {m}, x{N // m}"))
    m = SUBSET["region_perturbation"]
    ours_s, ours = best_time(lambda: hl.region_perturbation(net, X, y, A).drops, 3)
    peer_s, theirs = best_time(
        lambda: peer(quantus.RegionPerturbation(disable_warnings=True), m), 1)
    rows.append(row("region_perturbation (8x8)", "quantus.RegionPerturbation", ours_s,
                    peer_s * N / m, np.abs(ours[:m] - theirs).max()))
    m = SUBSET["faithfulness_correlation"]
    drawn, choice = [], np.random.choice

    def recording(*args, **kw):
        drawn.append(choice(*args, **kw))
        return drawn[-1]

    ours_s, _ = best_time(lambda: hl.faithfulness_correlation(net, X, y, A), 2)
    np.random.choice = recording
    try:
        peer_s, theirs = best_time(lambda: peer(quantus.FaithfulnessCorrelation(
            return_aggregate=False, disable_warnings=True), m), 1)
    finally:
        np.random.choice = choice
    ours = hl.faithfulness_correlation(net, X[:m], y[:m], A[:m], subsets=_quantus_subsets(
        drawn, m))
    rows.append(row("faithfulness_correlation (100x224)", "quantus.FaithfulnessCorrelation",
                    ours_s, peer_s * N / m, np.nanmax(np.abs(ours - theirs)),
                    f"Quantus on {m}, x{N / m:g}; diff on its subsets"))
    return rows


def _quantus_subsets(drawn, m, runs=100, batch=64):
    """Quantus's draws as (m, runs, 224): batch by batch, run-major, then example."""
    out, k = np.empty((m, runs, len(drawn[0])), dtype=np.int64), 0
    for b0 in range(0, m, batch):
        size = min(batch, m - b0)
        for r in range(runs):
            out[b0 : b0 + size, r] = drawn[k : k + size]
            k += size
    return out


def captum_rows(net, X, y, A):
    """Captum's infidelity and sensitivity_max beside ours, each with the time of the work no
    implementation can skip (`floor`) and so the largest ratio possible (`ceiling`)."""
    from captum.attr import Saliency
    from captum.metrics import infidelity, sensitivity_max

    model, rows = Logits(net).eval(), []
    x, t, a = torch.as_tensor(X), torch.as_tensor(y), torch.as_tensor(A)
    S, rng = 10, np.random.default_rng(0)
    squares = _squares(X, S)  # infidelity's default for images, materialized for Captum
    for label, I in (("squares", squares), ("noise", rng.normal(0, 0.1, (N, S, 784)))):
        flat = torch.as_tensor(I.reshape(N * S, 784), dtype=torch.float32)
        if label == "squares":
            ours_s, ours = best_time(lambda: hl.infidelity(net, X, y, A, n_samples=S,
                                                       random_state=0), 5)
            floor_s, what = best_time(lambda: net.module.logits(x), 5)[0], "f(X): 1 forward pass"
        else:
            ours_s, ours = best_time(lambda I=I: hl.infidelity(net, X, y, A, perturbations=I), 3)
            floor_s, what = _dense_product(net, flat), f"the ({N * S}, 784) @ (784, h) product"
        peer_s, theirs = best_time(lambda flat=flat: infidelity(
            model, lambda z: (flat, z - flat), x, a, target=t, n_perturb_samples=S), 3)
        rows.append(row(f"infidelity ({S} {label})", "captum.metrics.infidelity", ours_s,
                        peer_s, np.abs(ours - theirs.numpy()).max(),
                        _ceiling(peer_s, floor_s, what)))
    delta = rng.uniform(-0.02, 0.02, (N, S, 784)).astype(np.float32)
    flat = torch.as_tensor(delta.reshape(N * S, 784))
    sal = Saliency(model)
    ours_s, ours = best_time(lambda: hl.max_sensitivity(net, X, y, "saliency",
                                                    perturbations=delta), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer_s, theirs = best_time(lambda: sensitivity_max(
            lambda z, target: sal.attribute(z, target=target, abs=False), x,
            perturb_func=lambda z, radius: z + flat, n_perturb_samples=S, target=t), 3)
    rows.append(row(f"max_sensitivity (saliency, {S})", "captum.metrics.sensitivity_max",
                    ours_s, peer_s, np.abs(ours - theirs.numpy()).max(),
                    _ceiling(peer_s, _dense_product(net, flat),
                             f"the ({N * S}, 784) @ (784, h) product")))
    return rows


def _dense_product(net, flat) -> float:
    """Seconds of layer 0's product for dense perturbations: every pixel of every perturbed
    input changes, so z0(x - I) = z0(x) - I W0^T needs the whole product, ours and Captum's."""
    W = torch.as_tensor(np.asarray(net.weights[0]))
    return best_time(lambda: flat @ W.T, 5)[0]


def _ceiling(peer_s: float, floor_s: float, what: str) -> str:
    return (f"floor {floor_s * 1000:.1f} ms ({what}), so at most {peer_s / floor_s:.1f}x "
            "for any implementation")


def _squares(X, S, window=4):
    """The squares `infidelity(perturbation="square", random_state=0)` draws, as I arrays."""
    rng = np.random.default_rng(0)
    top, left = rng.integers(0, 29 - window, (N, S)), rng.integers(0, 29 - window, (N, S))
    I = np.zeros((N, S, 28, 28), dtype=np.float32)
    images = X.reshape(N, 28, 28)
    for i, s in np.ndindex(N, S):
        sl = (slice(top[i, s], top[i, s] + window), slice(left[i, s], left[i, s] + window))
        I[i, s][sl] = images[i][sl]
    return I.reshape(N, S, 784)


def trust_table(net, ds, n=500, threads=1):
    """evaluate_attributions as `hiddenlens trust` runs it (5 methods, every metric, label
    randomization's retraining included) with `threads` torch and BLAS threads."""
    t0 = time.perf_counter()
    result = hl.evaluate_attributions(net, ds.X_test[:n], ds.y_test[:n], threads=threads)
    return time.perf_counter() - t0, result


COLUMNS = ["method", "deletion_auc", "deletion_random_auc", "insertion_auc",
           "insertion_random_auc", "faithfulness_correlation", "infidelity",
           "max_sensitivity", "weights_similarity", "labels_similarity", "rank"]


def print_table(name, timings, result):
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    took = ", ".join(f"{s:.1f} s on {k} thread{'s' if k > 1 else ''}" for k, s in timings)
    print(f"\n{name}: evaluate_attributions on {result.settings['n_examples']} digits, five "
          f"methods, every metric: {took}")
    print(result.table[COLUMNS].round(3).to_string(index=False))
    for m, v in zip(result.table["method"], result.table["verdict"]):
        print(f"  {m:22} {v}")
    print("  " + result.summary())


def preset_table(name, ds, net=None):
    """The table a user sees for a preset, timed on 1 and 2 threads (the same numbers)."""
    net = net or hl.train_preset(name, ds, progress=False)
    one, result = trust_table(net, ds, threads=1)
    two, again = trust_table(net, ds, threads=2)
    same = np.nanmax(np.abs(result.table[COLUMNS[1:]].to_numpy(float) -
                            again.table[COLUMNS[1:]].to_numpy(float)))
    print_table(name, [(1, one), (2, two)], result)
    print(f"  largest difference between the 1- and 2-thread tables: {same:.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", action="store_true",
                        help="Also print the nielsen and keras-blog tables.")
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads for torch and BLAS on both sides in the side-by-side "
                             "timings (default 1: the machine is shared).")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    ds = hl.load_dataset("mnist-embedded")
    net = hl.train_preset("nielsen", ds, progress=False)
    X, y = ds.X_test[:N], ds.y_test[:N]
    A = hl.saliency(net, X, y)
    rows = quantus_rows(net, X, y, A) + captum_rows(net, X, y, A)
    report("trust", rows, note=f"threads: {args.threads} on both sides; {N} test digits, "
           "nielsen preset (float32), saliency maps. Quantus timed on the subset in the note "
           "and scaled to 1,000.")
    for r in rows:
        if r["note"]:
            print(f"  {r['method']}: {r['note']}")
    preset_table("nielsen", ds, net)
    if args.tables:
        preset_table("keras-blog", ds)


if __name__ == "__main__":
    main()
