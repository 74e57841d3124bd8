"""The explorer's update per stroke (the page's forward pass against a server round trip), and
the time to build the nielsen preset's report against the 60 s the issue allows.

Both are timed inside chromium with performance.now(): "ours" runs the page's own update (the
forward pass from the weights it fetched once, then every layer grid and the output bars
redrawn); the peer is what a server-side design would pay per stroke, a POST to /api/trace
and its JSON answer, before anything is drawn. The max |diff| compares the page's output
activations with DenseNet.trace on the same inputs. One frame at 60 Hz is 16.7 ms.

    PYTHONPATH=src python benchmarks/bench_server.py
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hiddenlens as hl  # noqa: E402
from _common import report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
N_STROKES = 200
N_REQUESTS = 100

PAGE_TIMING = """async ([xs, nRequests]) => {
  const ms = (t0) => performance.now() - t0;
  const {forward, setInput} = window.hiddenlens;  // main.js exposes the two it times
  const token = document.querySelector('meta[name="hiddenlens-token"]').content;
  const tForward = [], tUpdate = [], tServer = [];
  for (const x of xs) {
    let t0 = performance.now();
    forward(Float32Array.from(x));
    tForward.push(ms(t0));
  }
  for (const x of xs) {
    const t0 = performance.now();
    setInput(Float32Array.from(x), false);
    tUpdate.push(ms(t0));
  }
  for (const x of xs.slice(0, nRequests)) {
    const t0 = performance.now();
    const r = await fetch("/api/trace", {method: "POST", body: JSON.stringify({x}),
                                         headers: {"X-Hiddenlens-Token": token}});
    await r.json();
    tServer.push(ms(t0));
  }
  const last = forward(Float32Array.from(xs[0]));
  const out = Array.from(last.a[last.a.length - 1]);
  return {forward: tForward, update: tUpdate, server: tServer, out};
}"""


@contextlib.contextmanager
def serve(net, folder: Path):
    """`hiddenlens serve` in its own process, as a user runs it; yield its URL."""
    model = folder / "model.safetensors"
    hl.save_model(net, model, overwrite=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "hiddenlens", "serve", str(model), "--data",
                             "mnist-embedded", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/", timeout=1).read()  # the page needs no token
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def measure(page, net, ds) -> dict:
    with tempfile.TemporaryDirectory() as tmp, serve(net, Path(tmp)) as url:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        xs = ds.X_test[:N_STROKES]
        t = page.evaluate(PAGE_TIMING, [xs.tolist(), N_REQUESTS])
    diff = float(np.abs(np.array(t["out"]) - net.forward(xs[:1])[0]).max())
    return {k: float(np.median(t[k])) for k in ("forward", "update", "server")} | {
        "p95_update": float(np.percentile(t["update"], 95)), "diff": diff,
        "python": in_process(net, xs[:N_REQUESTS])}


def in_process(net, xs) -> float:
    """Median ms of the server's own work for one stroke (Explorer.trace), without HTTP."""
    from hiddenlens.server._payloads import Explorer

    explorer, times = Explorer(net), []
    for x in xs:
        t0 = time.perf_counter()
        explorer.trace(x.tolist())
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def report_row(ds) -> dict:
    """Build the report of the trained nielsen preset (the `make demo` model), timed."""
    net = hl.train_preset("nielsen", ds, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        hl.write_report(net, Path(tmp) / "report.html", ds, progress=False)
        seconds = time.perf_counter() - t0
    print(f"nielsen report: {seconds:.1f} s (target: under 60 s on 2 cores)")
    return {"method": "write_report, nielsen preset", "peer": "the issue's 60 s budget",
            "ours_s": seconds, "peer_s": 60.0, "ratio": 60.0 / seconds, "max_abs_diff": 0.0}


def main() -> None:
    if not os.path.exists(CHROMIUM):
        sys.exit(f"Chromium is missing at {CHROMIUM}; `apt-get install chromium` first.")
    from playwright.sync_api import sync_playwright

    ds = hl.load_dataset("mnist-embedded")
    nets = {
        "nielsen 784-100-10": hl.DenseNet([784, 100, 10], "sigmoid", image_shape=(28, 28),
                                          class_names=ds.class_names),
        "keras-blog 784-512-256-10": hl.DenseNet([784, 512, 256, 10], "relu",
                                                 image_shape=(28, 28),
                                                 class_names=ds.class_names),
    }
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        for name, net in nets.items():
            m = measure(page, net, ds)
            print(f"{name}: page forward pass {m['forward']:.3f} ms, full update "
                  f"{m['update']:.3f} ms (p95 {m['p95_update']:.3f} ms); server: round trip "
                  f"{m['server']:.3f} ms, of which Python work {m['python']:.3f} ms (medians)")
            rows.append({"method": f"page update, {name}", "peer": "POST /api/trace round trip",
                         "ours_s": m["update"] / 1e3, "peer_s": m["server"] / 1e3,
                         "ratio": m["server"] / m["update"], "max_abs_diff": m["diff"]})
        browser.close()
    rows.append(report_row(ds))
    report("server", rows, note="Medians per stroke; one frame at 60 Hz is 0.0167 s. Chromium "
           "rounds performance.now() to 0.1 ms, so sub-millisecond page times are coarse.")


if __name__ == "__main__":
    main()
