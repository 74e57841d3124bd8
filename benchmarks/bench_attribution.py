"""Attribution and importance against their peers, side by side, same model and same data.

A 784-100-10 sigmoid MLPClassifier trained on the built-in digits, imported into hiddenlens
(float64 for the scikit-learn comparison, float32 for Captum's), and the 1,000 test images:

- permutation_importance (5 repeats) vs sklearn.inspection.permutation_importance
- occlusion (4x4 window, stride 2) vs captum.attr.Occlusion
- integrated_gradients (50 steps) and saliency vs Captum's IntegratedGradients / Saliency
- smoothgrad (20 samples) vs Captum's NoiseTunnel(Saliency), with the same noise draws
- perturbation_importance: time per feature as n_features and n_samples grow, and the peak
  memory of default settings on 10,000 x 784 inputs (in a fresh process)

Run:  PYTHONPATH=src python benchmarks/bench_attribution.py [--quick]
Prints a table and writes benchmarks/results/attribution.json (--quick: attribution_quick.json).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

import hiddenlens as hl
from _common import Logits, best_time, row
from hiddenlens.explain import (
    integrated_gradients,
    occlusion,
    permutation_importance,
    perturbation_importance,
    saliency,
    smoothgrad,
)

RESULTS = Path(__file__).parent / "results" / "attribution.json"


def mlp_to_densenet(mlp, dtype=torch.float64) -> hl.DenseNet:
    """The MLPClassifier imported with `hiddenlens.from_sklearn` (float64), or cast to float32."""
    net = hl.from_sklearn(mlp)
    if dtype == torch.float64:
        return net
    copy = hl.DenseNet(net.sizes, net.activations[:-1], net.output_activation, dtype=dtype,
                       image_shape=net.image_shape, data_name="mnist-embedded")
    copy.set_parameters([np.array(w) for w in net.weights], [np.array(b) for b in net.biases])
    return copy


def bench_permutation(clf, X, y, quick):
    from sklearn.inspection import permutation_importance as sk_pi

    net = mlp_to_densenet(clf)
    n = 200 if quick else len(X)
    ours_s, ours = best_time(lambda: permutation_importance(net, X[:n], y[:n], n_repeats=5,
                                                        random_state=0), 2)
    peer_s, theirs = best_time(lambda: sk_pi(clf, X[:n], y[:n], n_repeats=5, random_state=0), 1)
    diff = np.abs(ours.importances - theirs.importances).max()
    return row("permutation_importance (5 repeats)", "sklearn.inspection", ours_s, peer_s,
               diff, f"{n} images, float64")


def bench_captum(net, X, y):
    from captum.attr import IntegratedGradients, NoiseTunnel, Occlusion, Saliency

    f, x, t = Logits(net), torch.tensor(X), torch.tensor(y)
    images = x.reshape(-1, 28, 28)
    rows = []
    ours_s, ours = best_time(lambda: occlusion(net, X, y, window=(4, 4), stride=2), 2)
    peer_s, theirs = best_time(lambda: Occlusion(f).attribute(
        images, sliding_window_shapes=(4, 4), strides=2, baselines=0.0, target=t), 1)
    rows.append(row("occlusion (4x4, stride 2)", "captum Occlusion", ours_s, peer_s,
                    np.abs(ours - theirs.reshape(len(X), -1).numpy()).max()))
    ours_s, ours = best_time(lambda: integrated_gradients(net, X, y, n_steps=50), 2)
    peer_s, theirs = best_time(lambda: IntegratedGradients(f).attribute(x, target=t, n_steps=50),
                           2)
    rows.append(row("integrated_gradients (50 steps)", "captum IntegratedGradients", ours_s,
                    peer_s, np.abs(ours - theirs.detach().numpy()).max()))
    ours_s, ours = best_time(lambda: saliency(net, X, y), 5)
    peer_s, theirs = best_time(lambda: Saliency(f).attribute(x, target=t, abs=False), 5)
    rows.append(row("saliency", "captum Saliency", ours_s, peer_s,
                    np.abs(ours - theirs.detach().numpy()).max()))

    def peer_sg():
        torch.manual_seed(0)
        return NoiseTunnel(Saliency(f)).attribute(x, nt_type="smoothgrad", nt_samples=20,
                                                  stdevs=0.15, target=t, abs=False)

    ours_s, ours = best_time(lambda: smoothgrad(net, X, y, n_samples=20, random_state=0), 2)
    peer_s, theirs = best_time(peer_sg, 2)
    rows.append(row("smoothgrad (20 samples)", "captum NoiseTunnel(Saliency)", ours_s, peer_s,
                    np.abs(ours - theirs.detach().numpy()).max(), "same noise draws"))
    return rows


def bench_perturbation_scaling(net, X, y, quick):
    """Seconds per feature (5 repeats) for growing n_features and n_samples."""
    table = []
    sizes = [(250, 98), (1000, 98)] if quick else [(250, 196), (1000, 196), (1000, 784),
                                                     (4000, 196)]
    Xbig, ybig = np.tile(X, (4, 1)), np.tile(y, 4)
    for n, k in sizes:
        start = (784 - k) // 2  # the central pixels first, where the digits are
        groups = [[j] for j in range(start, start + k)]
        s, _ = best_time(lambda n=n, groups=groups: perturbation_importance(
            net, Xbig[:n], ybig[:n], groups=groups, random_state=0), 1)
        table.append({"n_samples": n, "n_features": k, "seconds": round(s, 4),
                      "ms_per_feature": round(1000 * s / k, 3)})
    return table


MEMORY_SCRIPT = """
import threading, time, numpy as np
import hiddenlens as hl

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

net = hl.DenseNet([784, 100, 10], random_state=0)
X = np.random.RandomState(0).rand(10000, 784).astype(np.float32)
y = np.random.RandomState(1).randint(0, 10, 10000)
before, peak, done = rss_mb(), [0.0], threading.Event()

def watch():
    while not done.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.005)

thread = threading.Thread(target=watch)
thread.start()
hl.{call}(net, X, y, random_state=0)
done.set()
thread.join()
print(max(peak[0], rss_mb()), before)
"""


def bench_memory():
    """Resident memory (MB) of default settings on 10,000 x 784, polled during the call."""
    out = {}
    for call in ("perturbation_importance", "permutation_importance"):
        proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT.format(call=call)],
                              capture_output=True, text=True, check=True)
        peak, before = (float(v) for v in proc.stdout.split())
        out[call] = {"peak_rss_mb": round(peak, 1), "added_by_call_mb": round(peak - before, 1)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller problems, for a smoke run.")
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads for torch and BLAS, on both sides (default 1: the machine "
                             "is shared, one thread gives steadier ratios).")
    args = parser.parse_args()
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)

    ds = hl.load_dataset("mnist-embedded")
    X64, y = ds.X_test.astype(np.float64), ds.y_test
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((100,), activation="logistic", max_iter=5, random_state=0).fit(
            ds.X_train.astype(np.float64), ds.y_train)
    net32 = mlp_to_densenet(clf, torch.float32)
    X32 = ds.X_test[: 250 if args.quick else 1000]
    rows = [bench_permutation(clf, X64, y, args.quick)] + bench_captum(net32, X32,
                                                                     y[: len(X32)])
    scaling = bench_perturbation_scaling(net32, ds.X_test, ds.y_test, args.quick)
    memory = {} if args.quick else bench_memory()
    print(f"threads: torch and BLAS pinned to {args.threads} for both sides; "
          f"model: 784-100-10 sigmoid "
          f"MLPClassifier, {len(X32)} test images")
    print(f"{'method':36} {'peer':30} {'ours s':>8} {'peer s':>8} {'ratio':>7} {'max diff':>9}")
    for r in rows:
        print(f"{r['method']:36} {r['peer']:30} {r['ours_s']:8.3f} {r['peer_s']:8.3f} "
              f"{r['ratio']:6.1f}x {r['max_abs_diff']:9.2e}")
    print("\nperturbation_importance, 5 repeats, time per feature:")
    print(f"{'n_samples':>10} {'n_features':>11} {'seconds':>8} {'ms/feature':>11}")
    for t in scaling:
        print(f"{t['n_samples']:10} {t['n_features']:11} {t['seconds']:8.3f} "
              f"{t['ms_per_feature']:11.3f}")
    for name, m in memory.items():
        print(f"{name} defaults on 10,000 x 784: peak RSS {m['peak_rss_mb']:.0f} MB "
              f"(+{m['added_by_call_mb']:.0f} MB during the call)")
    results = RESULTS.with_name("attribution_quick.json") if args.quick else RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({"rows": rows, "perturbation_scaling": scaling,
                                   "memory_10000x784": memory,
                                   "threads": args.threads,
                                   "quick": args.quick}, indent=2) + "\n")
    print(f"\nwrote {results}")


if __name__ == "__main__":
    main()
