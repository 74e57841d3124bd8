"""A small run of benchmarks/bench_server_load.py: concurrent clients against a real
`hiddenlens serve`; every answer is a 2xx and the server's console shows no traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import hiddenlens as hl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_server_load import run_load, serve  # noqa: E402


def test_concurrent_clients_get_no_errors(embedded, tmp_path):
    net = hl.DenseNet([784, 16, 10], "sigmoid", image_shape=(28, 28),
                      class_names=embedded.class_names, random_state=0)
    hl.save_model(net, tmp_path / "net.safetensors")
    with serve(tmp_path / "net.safetensors", "--data", "mnist-embedded") as url:
        r = run_load(url, embedded.X_test[:50], net.sizes, clients=8, requests=12)
    assert r["errors"] == []
    assert r["requests"] == 8 * 12
    print(f"\nload: {r['requests']} requests, p50 {r['p50_ms']:.1f} ms, "
          f"p99 {r['p99_ms']:.1f} ms")


def test_clients_asking_for_one_new_card_at_once_compute_it_once():
    import threading
    import time

    from hiddenlens.server._payloads import Explorer

    explorer, computed = Explorer(hl.DenseNet([4, 3, 2], "tanh", random_state=0)), []

    def slow_card(l, j):
        computed.append((l, j))
        time.sleep(0.2)
        return {"layer": l, "unit": j}

    explorer._card = slow_card
    threads = [threading.Thread(target=explorer.card, args=(0, 1)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert computed == [(0, 1)] and explorer.card(0, 1) == {"layer": 0, "unit": 1}
