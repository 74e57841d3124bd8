"""The explorer's causal modes, timed in a real Chromium against the budgets they promise.

- Knock-out: the update per click (a unit switched off or on, the page's forward pass with
  S.interventions, every grid and the output bars redrawn), timed in the page from the click
  with performance.now() as a stroke is, against one frame at 60 Hz (16.7 ms). The clicks are
  real mouse clicks on the grids, spread over every hidden layer. max |diff| compares the
  page's outputs after the clicks with a masked forward pass in numpy (float64).
- Patch: one POST /api/patch (patch_effect on the server, every unit of layer 0) against the
  alternative the page could run itself, one forward pass per unit with that unit's value
  copied (naively from the input, as forward.js runs; one starting above the layer would do
  less). max |diff| compares the two effects.
- Ablation: the first unit card of a layer pays `ablate` over the whole layer; a later card of
  the same layer is a lookup (both as GET round trips from the page).

    PYTHONPATH=src python benchmarks/bench_explorer_causal.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hiddenlens as hl  # noqa: E402
from _common import report  # noqa: E402
from bench_server import CHROMIUM, serve  # noqa: E402
from hiddenlens.plot._grid import grid_shape  # noqa: E402

N_CLICKS = 200
N_PATCH = 10
FRAME_S = 1 / 60

PATCH_IN_PAGE = """([src, dst, layer]) => {
  const S = window.hiddenlens, xs = Float32Array.from(src), xd = Float32Array.from(dst);
  const a = S.forward(xs).a[layer], iv = { u: -1 };
  const edit = (l, act) => { if (l === layer && iv.u >= 0) act[iv.u] = a[iv.u]; };
  const margin = (z, cs, cd) => z[cs] - z[cd];  // patch_effect's logit difference
  S.interventions.push(edit);
  const t0 = performance.now(), outs = [];
  for (let u = 0; u < a.length; u++) { iv.u = u; outs.push(S.forward(xd).z.at(-1)); }
  const ms = performance.now() - t0;
  S.interventions.pop();
  const os = S.forward(xs).z.at(-1), od = S.forward(xd).z.at(-1);
  const argmax = (v) => v.reduce((k, p, i) => (p > v[k] ? i : k), 0);
  const cs = argmax(os), cd = argmax(od), ms_ = margin(os, cs, cd), md = margin(od, cs, cd);
  return { ms, effect: outs.map((o) => (margin(o, cs, cd) - md) / (ms_ - md)) };
}"""

PATCH_ROUND_TRIPS = """async ([body, n]) => {
  const token = document.querySelector('meta[name="hiddenlens-token"]').content;
  const times = [];
  let d;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch("/api/patch", {method: "POST", body: JSON.stringify(body),
      headers: {"X-Hiddenlens-Token": token, "Content-Type": "application/json"}});
    d = await r.json();
    times.push(performance.now() - t0);
  }
  return { times, effect: d.effect };
}"""

GET_MS = """async (url) => {
  const token = document.querySelector('meta[name="hiddenlens-token"]').content;
  const t0 = performance.now();
  const r = await fetch(url, {headers: {"X-Hiddenlens-Token": token}});
  await r.json();
  return performance.now() - t0;
}"""


def masked_forward(net, x, changes: dict) -> np.ndarray:
    """Outputs of x (float64) with (layer, unit) -> value in place of those units' activations."""
    acts = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
            "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}
    a = np.asarray(x, dtype=np.float64)
    for l, (W, b, act) in enumerate(zip(net.weights, net.biases, net.activations)):
        a = acts[act](W.astype(np.float64) @ a + b)
        for (layer, unit), value in changes.items():
            if layer == l:
                a[unit] = value
    return a


def click_units(page, net, rng) -> None:
    """N_CLICKS real clicks on random units of every hidden layer, in knock-out mode."""
    page.check("#knockout-mode")
    boxes = [(page.locator(f"#layer-{l}").bounding_box(), *grid_shape(net.sizes[l + 1]))
             for l in range(net.n_layers - 1)]  # the viewport holds every grid: no scrolling
    for _ in range(N_CLICKS):
        l = int(rng.integers(len(boxes)))
        box, rows, cols = boxes[l]
        u = int(rng.integers(net.sizes[l + 1]))
        page.mouse.click(box["x"] + (u % cols + 0.5) * box["width"] / cols,
                         box["y"] + (u // cols + 0.5) * box["height"] / rows)


def measure(page, name: str, net, ds) -> list[dict]:
    rng = np.random.default_rng(0)
    p = net.predict(ds.X_test[:50])
    src, dst = 0, int(np.flatnonzero(p != p[0])[0])
    with tempfile.TemporaryDirectory() as tmp, serve(net, Path(tmp)) as url:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        x = ds.X_test[7]
        page.evaluate("x => window.hiddenlens.setInput(Float32Array.from(x), false)", x.tolist())
        click_units(page, net, rng)
        stats = page.evaluate("window.hiddenlens.knockout.stats")
        entries = page.evaluate("window.hiddenlens.knockout.units.map(m => "
                                "Array.from(m.entries()).map(([u, e]) => [u, e.value]))")
        out = np.array(page.evaluate("Array.from(window.hiddenlens.last.a.at(-1))"))
        changes = {(l, u): v for l, layer in enumerate(entries) for u, v in layer}
        click_diff = float(np.abs(out - masked_forward(net, x, changes)).max())
        page.click("#knockout-reset")  # the in-page patch below runs on the intact network

        body = {"layer": 0, "source": {"example": src}, "dest": {"example": dst}}
        server = page.evaluate(PATCH_ROUND_TRIPS, [body, N_PATCH])
        in_page = page.evaluate(PATCH_IN_PAGE, [ds.X_test[src].tolist(),
                                                ds.X_test[dst].tolist(), 0])
        patch_diff = float(np.abs(np.array(server["effect"]) - in_page["effect"]).max())
        first = page.evaluate(GET_MS, "/api/units/0/1/ablation")
        later = page.evaluate(GET_MS, "/api/units/0/2/ablation")
    times = np.array(stats["times"])
    assert len(times) == N_CLICKS, f"{len(times)} of {N_CLICKS} clicks reached a unit"
    median, p95 = float(np.median(times)), float(np.percentile(times, 95))
    patch_ms = float(np.median(server["times"]))
    print(f"{name}: knock-out update per click median {median:.2f} ms, p95 {p95:.2f} ms, max "
          f"{times.max():.2f} ms over {len(times)} clicks ({len(changes)} units left knocked "
          f"out); POST /api/patch {patch_ms:.1f} ms vs {net.sizes[1]} forward passes in the "
          f"page {in_page['ms']:.1f} ms; first ablation card of layer 0 {first:.0f} ms, a "
          f"later one {later:.1f} ms")
    short = name.split()[0]  # the table's columns are 34 characters wide
    return [
        {"method": f"knock-out click, {short}", "peer": "one frame at 60 Hz",
         "ours_s": median / 1e3, "peer_s": FRAME_S, "ratio": FRAME_S * 1e3 / median,
         "max_abs_diff": click_diff, "p95_s": p95 / 1e3},
        {"method": f"POST /api/patch, {short} layer 0",
         "peer": f"{net.sizes[1]} forward passes in the page",
         "ours_s": patch_ms / 1e3, "peer_s": in_page["ms"] / 1e3,
         "ratio": in_page["ms"] / patch_ms, "max_abs_diff": patch_diff},
        {"method": f"ablation card (cached), {short}", "peer": "the layer's first card (ablate)",
         "ours_s": later / 1e3, "peer_s": first / 1e3, "ratio": first / later,
         "max_abs_diff": 0.0},
    ]


def main() -> None:
    if not os.path.exists(CHROMIUM):
        sys.exit(f"Chromium is missing at {CHROMIUM}; `apt-get install chromium` first.")
    from playwright.sync_api import sync_playwright

    ds = hl.load_dataset("mnist-embedded")
    nets = {  # one epoch: the timings do not depend on training; two inputs must differ
        f"{name} {'-'.join(map(str, sizes))}": hl.train_preset(name, ds, epochs=1,
                                                              progress=False)
        for name, sizes in [("nielsen", [784, 100, 10]), ("keras-blog", [784, 512, 256, 10])]
    }
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        for name, net in nets.items():
            rows += measure(page, name, net, ds)
        browser.close()
    report("explorer_causal", rows, note="Medians. Knock-out: one click's update in the page, "
           "against one frame at 60 Hz (0.0167 s); Chromium rounds performance.now() to 0.1 ms. "
           "Patch: the server's patch_effect round trip against one forward pass per unit in "
           "the page (max |diff|: their effects). Ablation: a cached card against the layer's "
           "first, which runs ablate over every unit on the 1,000 test examples.")


if __name__ == "__main__":
    main()
