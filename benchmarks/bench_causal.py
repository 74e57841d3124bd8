"""What a unit does, causally: ablation and conductance against their peers, side by side.

- ablate over every hidden unit of the keras-blog preset (784-512-256-10 relu, 512 + 256 units)
  on 1,000 test digits, against the brute-force loop a user writes (zero the unit, run the whole
  network, score): the same predictions for every unit, the loss to 1e-6;
- conductance and neuron_conductance on the nielsen preset (784-100-10 sigmoid) against
  Captum's LayerConductance and NeuronConductance (same target, n_steps=50, gausslegendre),
  the layer hooked at its nn.Sigmoid as a Captum user wraps the network;
- for the nielsen preset: the Spearman correlation of class selectivity and ablation importance
  with a bootstrap 95% interval, and the five units whose removal hurts most.

Run:  PYTHONPATH=src python benchmarks/bench_causal.py [--threads 1]
Prints a table and writes benchmarks/results/causal.json.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from sklearn.metrics import log_loss

import hiddenlens as hl
from _common import RESULTS, best_time, report, row
from hiddenlens.explain import (
    ablate,
    atlas,
    conductance,
    neuron_conductance,
    selectivity_importance,
)
from hiddenlens.explain._replacement import Replacement

ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh,
               "linear": torch.nn.Identity}


class Sequential(torch.nn.Module):
    """The network as a Captum user writes it: Linear, activation module, ..., logits."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.acts = torch.nn.ModuleList(ACTIVATIONS[a]() for a in net.activations[:-1])

    def forward(self, x):
        a = self.net.module.standardize(x.reshape(len(x), -1))
        for lin, act in zip(self.net.module.linears[:-1], self.acts):
            a = act(lin(a))
        return self.net.module.linears[-1](a)


# ---------------------------------------------------------------- ablation
@torch.no_grad()
def brute_force(net, X, y, layer):
    """Zero each unit in turn and run the whole network: predictions (h, n), losses (h,)."""
    m, x = net.module, torch.as_tensor(X)
    preds, losses = [], []
    for j in range(net.sizes[layer + 1]):
        a = (x - m.mean) / m.scale
        for l, lin in enumerate(m.linears):
            z = lin(a)
            a = torch.softmax(z, 1) if l == net.n_layers - 1 else torch.relu(z)
            if l == layer:
                a[:, j] = 0
        preds.append(a.argmax(1).numpy())
        losses.append(log_loss(y, a.numpy(), labels=np.arange(net.n_outputs)))
    return np.stack(preds), np.array(losses)


@torch.no_grad()
def our_predictions(net, X, layer):
    """The predictions behind `ablate`: its Replacement with every unit zeroed, (h, n)."""
    rep = Replacement(net, torch.as_tensor(X), layer)
    h = net.sizes[layer + 1]
    V = torch.zeros(1, h, dtype=rep.a.dtype)
    B = rep.block()
    return np.concatenate([rep.replaced(torch.arange(i, min(i + B, h))[:, None], V)[0]
                           .argmax(-1).numpy() for i in range(0, h, B)])


def bench_ablate(ds, threads):
    net = hl.train_preset("keras-blog", ds, progress=False)
    X, y = ds.X_test[:1000], ds.y_test[:1000]

    def ours():
        return [ablate(net, X, y, layer) for layer in (0, 1)]

    def theirs():
        return [brute_force(net, X, y, layer) for layer in (0, 1)]

    ours_s, results = best_time(ours, 3)
    peer_s, brute = best_time(theirs, 1)
    same, loss_diff = True, 0.0
    for layer, (r, (preds, losses)) in enumerate(zip(results, brute)):
        same &= bool(np.array_equal(our_predictions(net, X, layer), preds))
        same &= bool(np.array_equal(r.score, (preds == y).mean(1)))
        loss_diff = max(loss_diff, float(np.abs(r.loss - losses).max()))
    note = (f"keras-blog, 768 units, 1,000 digits, {threads} thread(s); predictions of every "
            f"unit's ablation {'equal' if same else 'DIFFER'}; max |diff| is the loss")
    return row("ablate (every hidden unit)", "brute-force loop", ours_s, peer_s, loss_diff,
               note), same


# ---------------------------------------------------------------- conductance
def bench_conductance(net, X, y):
    from captum.attr import LayerConductance, NeuronConductance

    f, x, t = Sequential(net), torch.tensor(X), torch.tensor(y)
    rows = []
    ours_s, ours = best_time(lambda: conductance(net, X, y, 0, n_steps=50), 3)
    peer_s, th = best_time(lambda: LayerConductance(f, f.acts[0]).attribute(
        x, target=t, n_steps=50, method="gausslegendre"), 1)
    rows.append(row("conductance (50 steps)", "captum LayerConductance", ours_s, peer_s,
                    np.abs(ours - th.detach().numpy()).max(),
                    f"nielsen, {len(X)} digits, layer 0"))
    unit = 0
    ours_s, ours = best_time(lambda: neuron_conductance(net, X, y, 0, unit, n_steps=50), 3)
    peer_s, th = best_time(lambda: NeuronConductance(f, f.acts[0]).attribute(
        x, neuron_selector=unit, target=t, n_steps=50, method="gausslegendre"), 1)
    rows.append(row("neuron_conductance (50 steps)", "captum NeuronConductance", ours_s, peer_s,
                    np.abs(ours - th.detach().numpy()).max(),
                    f"nielsen, {len(X)} digits, layer 0 unit {unit}"))
    return rows


# ---------------------------------------------------------------- nielsen numbers
def nielsen_numbers(net, ds):
    at = atlas(net, ds, 0, k=1)
    ab = ablate(net, ds.X_test, ds.y_test, 0)
    si = selectivity_importance(at, ab, n_resamples=2000, random_state=0)
    top = [int(u) for u in ab.ranking[:5]]
    return {
        "spearman": si.rho, "interval_95": si.interval, "n_units": len(si.selectivity),
        "baseline_accuracy": ab.baseline_score, "n_test": ab.n_examples,
        "top5": [{"unit": u, "drop_points": round(100 * float(ab.drop[u]), 2),
                  "loss_increase": round(float(ab.loss_increase[u]), 4),
                  "hurts_most": ab.class_names[int(np.nanargmax(ab.per_class_drop[u]))],
                  "class_drop_points": round(100 * float(np.nanmax(ab.per_class_drop[u])), 2),
                  "selectivity": round(float(si.selectivity[u]), 3)} for u in top],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="Threads for torch on both sides (default 1: the machine is "
                             "shared, one thread gives steadier ratios).")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ds = hl.load_dataset()
    ablate_row, same = bench_ablate(ds, args.threads)
    nielsen = hl.train_preset("nielsen", ds, progress=False)
    rows = [ablate_row] + bench_conductance(nielsen, ds.X_test[:1000], ds.y_test[:1000])
    numbers = nielsen_numbers(nielsen, ds)
    report("causal", rows, "\n".join(r["note"] for r in rows))
    print(f"\nnielsen layer 0 ({numbers['n_units']} units, ablation on {numbers['n_test']} "
          f"test digits, accuracy {numbers['baseline_accuracy']:.4f}):")
    lo, hi = numbers["interval_95"]
    print(f"  Spearman(class selectivity, ablation drop) = {numbers['spearman']:.3f} "
          f"(bootstrap 95% interval {lo:.3f} .. {hi:.3f})")
    for t in numbers["top5"]:
        print(f"  unit {t['unit']:3d}: drop {t['drop_points']:.2f} points, loss "
              f"{t['loss_increase']:+.4f}, hurts {t['hurts_most']}s most "
              f"({t['class_drop_points']:.2f} points), selectivity {t['selectivity']:.3f}")
    path = RESULTS / "causal.json"
    data = json.loads(path.read_text())
    data.update(nielsen=numbers, ablate_predictions_equal=same)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
