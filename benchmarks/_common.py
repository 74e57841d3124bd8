"""What every benchmark shares: a timer, the result table and its JSON file."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def best_time(fn, repeats: int = 3) -> tuple[float, object]:
    """The fastest of `repeats` runs of fn() in seconds, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def row(method: str, peer: str, ours_s: float, peer_s: float, diff, note: str = "") -> dict:
    """One row of `report`: both times, their ratio (peer / ours) and the largest difference."""
    return {"method": method, "peer": peer, "ours_s": round(ours_s, 4),
            "peer_s": round(peer_s, 4), "ratio": round(peer_s / ours_s, 1),
            "max_abs_diff": float(diff), "note": note}


class Logits(torch.nn.Module):
    """A DenseNet as a Captum or Quantus user wraps it: images (or rows) in, logits out."""

    def __init__(self, net):
        super().__init__()
        self.module = net.module

    def forward(self, x):
        return self.module.logits(x.reshape(len(x), -1))


def report(topic: str, rows: list[dict], note: str = "") -> None:
    """Print rows (method, peer, ours_s, peer_s, ratio, max_abs_diff) and write JSON."""
    header = (f"{'method':<34} {'peer':<34} {'ours s':>9} {'peer s':>9} {'ratio':>8} "
              f"{'max |diff|':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['method']:<34} {r['peer']:<34} {r['ours_s']:>9.4f} {r['peer_s']:>9.4f} "
              f"{r['ratio']:>7.1f}x {r['max_abs_diff']:>11.2e}")
    if note:
        print(note)
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "machine": platform.machine()}
    (RESULTS / f"{topic}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
