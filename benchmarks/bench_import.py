"""Import speed and fidelity: hiddenlens' importers vs the frameworks' own loaders.

The keras-blog network (784-512-256-10 relu, softmax) is trained one epoch on the embedded
digits with Keras 3 (torch backend), saved as .keras and .h5 and exported to ONNX; each file is
then loaded by hiddenlens (json + h5py / onnx, no Keras) and by the peer (keras.saving.load_model,
onnxruntime.InferenceSession). Time is the median of repeated loads, in one process; the max
abs difference compares the predictions of both on the 1,000 test digits.

    PYTHONPATH=src python benchmarks/bench_import.py
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"
logging.getLogger("absl").setLevel(logging.ERROR)  # keras' "legacy .h5" notices

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

import hiddenlens as hl  # noqa: E402

REPEATS = 7
RESULTS = Path(__file__).parent / "results" / "import.json"


def median_time(fn, repeats: int = REPEATS) -> tuple[float, object]:
    fn()  # warm-up: first-call imports and caches are not what we measure
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def keras_blog(ds) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("rmsprop", "sparse_categorical_crossentropy")
    model.fit(ds.X_train, ds.y_train, epochs=1, batch_size=128, verbose=0)
    return model


def run_onnx(session, X):
    return session.run(None, {"input": X})[0]


def main() -> list[dict]:
    ds = hl.load_dataset("mnist-embedded", progress=False)
    X = ds.X_test
    print("Training the keras-blog network 784-512-256-10 for one epoch with Keras...")
    model = keras_blog(ds)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".keras", ".h5"):
            path = Path(tmp) / f"keras_blog{suffix}"
            model.save(path)
            ours_s, net = median_time(lambda p=path: hl.from_keras(p))
            peer_s, peer = median_time(lambda p=path: keras.saving.load_model(p))
            diff = np.abs(net.predict_proba(X) - peer.predict(X, verbose=0)).max()
            rows.append(dict(method=f"from_keras ({suffix})", peer="keras.saving.load_model",
                             ours_s=ours_s, peer_s=peer_s, max_abs_diff=float(diff)))
        onnx_path = hl.to_onnx(net, Path(tmp) / "keras_blog.onnx")
        ours_s, back = median_time(lambda: hl.from_onnx(onnx_path))
        peer_s, session = median_time(lambda: ort.InferenceSession(
            str(onnx_path), providers=["CPUExecutionProvider"]))
        diff = np.abs(back.predict_proba(X) - run_onnx(session, X)).max()
        rows.append(dict(method="from_onnx", peer="onnxruntime.InferenceSession",
                         ours_s=ours_s, peer_s=peer_s, max_abs_diff=float(diff)))
    for row in rows:
        row["ratio"] = row["peer_s"] / row["ours_s"]
    report(rows)
    return rows


def report(rows: list[dict]) -> None:
    header = f"{'method':<20} {'peer':<30} {'ours s':>9} {'peer s':>9} {'ratio':>7} " \
             f"{'max abs diff':>13}"
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['method']:<20} {r['peer']:<30} {r['ours_s']:>9.4f} {r['peer_s']:>9.4f} "
              f"{r['ratio']:>6.1f}x {r['max_abs_diff']:>13.2e}")
    print(f"ratio = peer s / ours s (median of {REPEATS} loads, torch threads left as set: "
          "no torch.set_num_threads). Under 1 s for the 784-512-256-10 Keras file: "
          f"{all(r['ours_s'] < 1 for r in rows if 'keras' in r['method'])}.")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "import", "model": "keras-blog 784-512-256-10", "repeats": REPEATS,
        "machine": platform.platform(), "rows": rows,
    }, indent=2))
    print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
