"""A bounded load test of the explorer: a few dozen clients on 127.0.0.1 against a real
`hiddenlens serve` (784-100-10 on the embedded digits), each sending a fixed number of requests
over one keep-alive connection, then stopping. Prints the errors (any answer that is not 2xx,
any connection failure) and the latency percentiles; exits 1 if there was an error.

The mix per client, in turn: POST /api/trace, POST a unit's contribution, GET a unit's card,
GET its field, POST an output's top units, GET /api/model; every call carries the page token,
as the page does. Cards are computed once per unit and cached, as in use.

    PYTHONPATH=src python benchmarks/bench_server_load.py [--clients 32] [--requests 60]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


@contextlib.contextmanager
def serve(model: Path, *args: str, timeout: float = 120):
    """`hiddenlens serve MODEL ARGS` on a free port in its own process; yields its URL, then
    stops it (SIGTERM) and fails if it printed a traceback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "hiddenlens", "serve", str(model),
                                 "--port", str(port), *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        url = f"http://127.0.0.1:{port}"
        try:
            end = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(url + "/", timeout=1).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > end:
                        err.seek(0)
                        raise RuntimeError("hiddenlens serve did not start: "
                                           + err.read()) from None
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(15)
            err.seek(0)
            console = err.read()
        if "Traceback" in console:
            raise RuntimeError(f"the server's console shows a traceback:\n{console}")


def page_token(url: str) -> str:
    html = urllib.request.urlopen(url + "/", timeout=10).read().decode()
    return re.search(r'<meta name="hiddenlens-token" content="([^"]+)">', html).group(1)


def _calls(rng: np.random.Generator, X: np.ndarray, n_hidden: int, n_out: int, n: int):
    """n (method, path, body) in the fixed mix, on random examples and units."""
    out = []
    for i in range(n):
        x, unit = X[rng.integers(len(X))].tolist(), int(rng.integers(n_hidden))
        out.append([("POST", "/api/trace", {"x": x}),
                    ("POST", f"/api/units/0/{unit}/contribution", {"x": x}),
                    ("GET", f"/api/units/0/{unit % 8}", None),
                    ("GET", f"/api/units/0/{unit}/field", None),
                    ("POST", f"/api/outputs/{int(rng.integers(n_out))}/top-units", {"x": x}),
                    ("GET", "/api/model", None)][i % 6])
    return out


def _client(url: str, token: str, calls, times: list, errors: list) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"X-Hiddenlens-Token": token, "Content-Type": "application/json"}
    for method, path, body in calls:
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers=headers)
            r = conn.getresponse()
            data = r.read()
            if not 200 <= r.status < 300:
                errors.append(f"{method} {path}: {r.status} {data[:200]!r}")
            else:
                json.loads(data)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
        times.append(time.perf_counter() - t0)
    conn.close()


def run_load(url: str, X: np.ndarray, sizes: list[int], clients: int = 32,
             requests: int = 60, seed: int = 0) -> dict:
    """`clients` threads, `requests` calls each; -> counts, errors and latency percentiles."""
    token, rng = page_token(url), np.random.default_rng(seed)
    plans = [_calls(rng, X, sizes[1], sizes[-1], requests) for _ in range(clients)]
    times, errors = [], []
    threads = [threading.Thread(target=_client, args=(url, token, plan, times, errors))
               for plan in plans]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ms = np.array(times) * 1e3
    return {"clients": clients, "requests": len(times), "errors": errors, "wall_s": wall,
            "per_s": len(times) / wall, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


def main() -> None:
    import hiddenlens as hl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=60, help="per client")
    args = parser.parse_args()
    ds = hl.load_dataset("mnist-embedded")
    net = hl.DenseNet([784, 100, 10], "sigmoid", image_shape=(28, 28),
                      class_names=ds.class_names, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "net.safetensors"
        hl.save_model(net, model)
        with serve(model, "--data", "mnist-embedded") as url:
            r = run_load(url, ds.X_test[:200], net.sizes, args.clients, args.requests)
    print(f"{r['clients']} clients x {args.requests} requests on 127.0.0.1 (784-100-10): "
          f"{r['requests']} answered in {r['wall_s']:.1f} s ({r['per_s']:.0f}/s)")
    print(f"errors: {len(r['errors'])}")
    for e in r["errors"][:10]:
        print(f"  {e}")
    print(f"latency: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "server_load.json").write_text(json.dumps(r | {"errors": r["errors"][:50]},
                                                         indent=2))
    sys.exit(1 if r["errors"] else 0)


if __name__ == "__main__":
    main()
