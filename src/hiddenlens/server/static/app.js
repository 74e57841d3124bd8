// hiddenlens explorer: the forward pass runs here, from the weights fetched once, so that a
// stroke updates every layer within one frame; unit cards and contributions come from the server.
"use strict";

const S = {            // the page's state
  info: null,          // /api/model
  net: null,           // {sizes, acts, W: [Float32Array (n_out*n_in)], b, mean, scale}
  x: null,             // Float32Array (n_inputs): the raw input
  last: null,          // {z: [...], a: [...]} for x
  selected: null,      // {layer, unit} of the open card
  stats: { updates: 0, lastMs: 0, maxMs: 0, totalMs: 0, forwardMs: 0 },
};
window.hiddenlens = S;  // the browser tests read S.stats and S.last

// ------------------------------------------------------------------ helpers
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function api(url, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const r = await fetch(url, opts);
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function decode(b64) {  // base64 little-endian float32 -> Float32Array
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function gridShape(n) {  // the same rows x columns as hiddenlens.plot._grid.grid_shape
  let rows = Math.floor(Math.sqrt(n));
  while (rows > 1 && n % rows) rows -= 1;
  let cols = Math.floor(n / rows);
  if (cols > 4 * rows) { rows = Math.floor(Math.sqrt(n)); cols = Math.ceil(n / rows); }
  return [rows, cols];
}

// viridis, sampled at 9 stops, for activations
const VIRIDIS = [[68,1,84],[71,44,122],[59,81,139],[44,113,142],[33,144,141],
                 [39,173,129],[92,200,99],[170,220,50],[253,231,37]];
function viridis(t) {
  t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}
function diverging(t) {  // t in [-1, 1]: blue, white, red
  t = Math.min(1, Math.max(-1, t));
  const a = Math.abs(t), lo = Math.round(255 * (1 - a));
  return t >= 0 ? [255, lo + Math.round(a * 40), lo + Math.round(a * 30)]
                : [lo + Math.round(a * 40), lo + Math.round(a * 90), 255];
}

function paint(canvas, values, rows, cols, color) {  // values row-major, one pixel per value
  canvas.width = cols; canvas.height = rows;
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const c = i < values.length ? color(values[i]) : [255, 255, 255];
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function paintDiverging(canvas, values, rows, cols) {
  let m = 1e-12;
  for (const v of values) m = Math.max(m, Math.abs(v));
  paint(canvas, values, rows, cols, (v) => diverging(v / m));
  return m;
}

function paintGray(canvas, values, rows, cols) {  // ink dark on white, values in [0, 1]
  paint(canvas, values, rows, cols, (v) => { const g = Math.round(255 * (1 - v)); return [g, g, g]; });
}

// ------------------------------------------------------------------ forward pass
function activate(name, z) {
  const n = z.length, a = new Float64Array(n);
  if (name === "sigmoid") for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
  else if (name === "tanh") for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
  else if (name === "relu") for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
  else if (name === "softmax") {
    let m = -Infinity, s = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, z[i]);
    for (let i = 0; i < n; i++) { a[i] = Math.exp(z[i] - m); s += a[i]; }
    for (let i = 0; i < n; i++) a[i] /= s;
  } else a.set(z);
  return a;
}

function forward(x) {  // x: raw input (n_inputs) -> {z, a} per layer, as DenseNet.trace
  const net = S.net, zs = [], as = [];
  let a = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = (x[i] - net.mean[i]) / net.scale[i];
  for (let l = 0; l < net.W.length; l++) {
    const W = net.W[l], b = net.b[l], nIn = net.sizes[l], nOut = net.sizes[l + 1];
    const z = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      const row = j * nIn;
      for (let i = 0; i < nIn; i++) s += W[row + i] * a[i];
      z[j] = s;
    }
    a = activate(net.acts[l], z);
    zs.push(z); as.push(a);
  }
  return { z: zs, a: as };
}

// ------------------------------------------------------------------ drawing and preprocessing
const DRAW = { down: false, last: null, pending: false };

function setupCanvas() {
  const c = $("draw"), ctx = c.getContext("2d");
  clearCanvas();
  const pos = (e) => {
    const r = c.getBoundingClientRect();
    return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height];
  };
  c.addEventListener("pointerdown", (e) => {
    c.setPointerCapture(e.pointerId);
    DRAW.down = true; DRAW.last = pos(e);
    stroke(ctx, DRAW.last, DRAW.last);
  });
  c.addEventListener("pointermove", (e) => {
    if (!DRAW.down) return;
    const p = pos(e);
    stroke(ctx, DRAW.last, p);
    DRAW.last = p;
  });
  const end = () => { if (DRAW.down) { DRAW.down = false; scheduleUpdate(true); } };
  c.addEventListener("pointerup", end);
  c.addEventListener("pointercancel", end);
  $("clear").addEventListener("click", () => { clearCanvas(); setInput(new Float32Array(S.net.sizes[0]), true); });
}

function clearCanvas() {
  const ctx = $("draw").getContext("2d");
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, 280, 280);
}

function stroke(ctx, p, q) {
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 20; ctx.lineCap = "round"; ctx.lineJoin = "round";
  ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
  scheduleUpdate(false);
}

function scheduleUpdate(final) {  // at most one update per animation frame
  if (final) { S.finalPending = true; }
  if (DRAW.pending) return;
  DRAW.pending = true;
  requestAnimationFrame(() => {
    DRAW.pending = false;
    const t0 = performance.now();
    const x = preprocess($("draw"));
    setInput(x, S.finalPending, t0);
    S.finalPending = false;
  });
}

// The MNIST recipe: crop to the ink, scale (area-averaged, so anti-aliased) to fit 20x20 with
// the aspect ratio kept, then place in 28x28 with the centre of mass at the centre.
function preprocess(canvas) {
  const W = canvas.width, H = canvas.height;
  const src = canvas.getContext("2d").getImageData(0, 0, W, H).data;
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (src[4 * (y * W + x)] > 12) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, s = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s)), th = Math.max(1, Math.round(bh * s));
  const sum = new Float64Array(tw * th), cnt = new Float64Array(tw * th);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const k = Math.min(th - 1, Math.floor((y - y0) * s)) * tw + Math.min(tw - 1, Math.floor((x - x0) * s));
    sum[k] += src[4 * (y * W + x)] / 255; cnt[k] += 1;
  }
  let m = 0, cx = 0, cy = 0;
  for (let k = 0; k < tw * th; k++) {
    const v = cnt[k] ? sum[k] / cnt[k] : 0;
    sum[k] = v; m += v; cx += v * (k % tw); cy += v * Math.floor(k / tw);
  }
  const dx = Math.round(13.5 - cx / m), dy = Math.round(13.5 - cy / m);
  for (let k = 0; k < tw * th; k++) {
    const x = (k % tw) + dx, y = Math.floor(k / tw) + dy;
    if (x >= 0 && x < 28 && y >= 0 && y < 28) out[y * 28 + x] = Math.min(1, sum[k]);
  }
  return out;
}

// ------------------------------------------------------------------ updating the page
function setInput(x, final, t0) {
  t0 = t0 === undefined ? performance.now() : t0;
  S.x = x;
  const tf = performance.now();
  S.last = forward(x);
  S.stats.forwardMs = performance.now() - tf;
  renderLayers();
  renderOutputs();
  if (S.info.image_shape) paintGray($("preview"), x, 28, 28);
  const ms = performance.now() - t0;
  const st = S.stats;
  st.updates += 1; st.lastMs = ms; st.totalMs += ms; st.maxMs = Math.max(st.maxMs, ms);
  $("timing").textContent = `update ${ms.toFixed(2)} ms (forward pass ${st.forwardMs.toFixed(2)} ms), ` +
    `mean ${(st.totalMs / st.updates).toFixed(2)} ms over ${st.updates}`;
  if (final && S.selected) refreshContribution();
}

function layerRange(l, a) {
  const act = S.net.acts[l];
  if (act === "sigmoid") return [0, 1];
  if (act === "tanh") return [-1, 1];
  let hi = 1e-9, lo = 0;
  for (const v of a) { hi = Math.max(hi, v); lo = Math.min(lo, v); }
  return [lo, hi];
}

function buildLayers() {
  const box = $("layers");
  box.replaceChildren();
  S.grids = [];
  for (let l = 0; l < S.net.sizes.length - 2; l++) {
    const n = S.net.sizes[l + 1], [rows, cols] = gridShape(n);
    const cell = Math.max(4, Math.min(40, Math.floor(300 / cols)));
    const div = el("div", "layer");
    div.append(el("h3", null, `layer ${l}: ${n} ${S.net.acts[l]} units`));
    const [lo, hi] = { sigmoid: ["0", "1"], tanh: ["-1", "1"] }[S.net.acts[l]] || ["lowest", "highest"];
    div.append(el("p", "hint", `colour: dark purple = ${lo}, yellow = ${hi}`));
    const c = el("canvas");
    c.id = `layer-${l}`;
    c.style.width = `${cols * cell}px`; c.style.height = `${rows * cell}px`;
    const readout = el("div", "readout");
    const unitAt = (e) => {
      const r = c.getBoundingClientRect();
      const u = Math.floor((e.clientY - r.top) / r.height * rows) * cols + Math.floor((e.clientX - r.left) / r.width * cols);
      return u < n ? u : null;
    };
    c.addEventListener("mousemove", (e) => {
      const u = unitAt(e);
      readout.textContent = u === null || !S.last ? "" :
        `unit ${u}: activation ${S.last.a[l][u].toFixed(3)}, pre-activation ${S.last.z[l][u].toFixed(3)}`;
    });
    c.addEventListener("click", (e) => { const u = unitAt(e); if (u !== null) openUnit(l, u); });
    div.append(c, readout);
    box.append(div);
    S.grids.push({ canvas: c, rows, cols });
  }
}

function renderLayers() {
  S.grids.forEach((g, l) => {
    const a = S.last.a[l], [lo, hi] = layerRange(l, a);
    paint(g.canvas, a, g.rows, g.cols, (v) => viridis((v - lo) / (hi - lo)));
    if (S.selected && S.selected.layer === l) {  // outline the open unit
      const ctx = g.canvas.getContext("2d"), u = S.selected.unit;
      ctx.globalAlpha = 0.9; ctx.fillStyle = "#e8710a";
      ctx.fillRect(u % g.cols, Math.floor(u / g.cols), 1, 1);
      ctx.globalAlpha = 1;
    }
  });
}

function outputValues() {  // what the bars show: probabilities (two for one sigmoid unit)
  const out = S.last.a[S.last.a.length - 1];
  if (S.info.task === "classification" && out.length === 1) return [1 - out[0], out[0]];
  return Array.from(out);
}

function renderOutputs() {
  const box = $("outputs"), values = outputValues();
  if (S.info.task === "regression") {
    $("prediction").textContent = `Prediction: ${values.map((v) => v.toPrecision(4)).join(", ")}`;
    box.replaceChildren();
    return;
  }
  const names = S.info.class_names;
  let k = 0;
  values.forEach((v, i) => { if (v > values[k]) k = i; });
  if (!box.children.length) {
    names.forEach((name, i) => {
      const row = el("div", "bar-row");
      row.dataset.index = i;
      const track = el("div", "track"), fill = el("div", "fill");
      track.append(fill);
      row.append(el("span", "name", name), track, el("span", "value"));
      row.addEventListener("click", () => openOutput(i));
      box.append(row);
    });
  }
  const scale = S.net.acts[S.net.acts.length - 1] === "linear" ? Math.max(1e-9, ...values.map(Math.abs)) : 1;
  Array.from(box.children).forEach((row, i) => {
    row.classList.toggle("top", i === k);
    row.children[1].firstChild.style.width = `${Math.max(0, 100 * values[i] / scale)}%`;
    row.children[2].textContent = values[i].toFixed(3);
  });
  $("prediction").textContent = `Prediction: ${names[k]}`;
  $("prediction").dataset.predicted = names[k];
}

// ------------------------------------------------------------------ cards
function figure(caption, canvas) {
  const f = el("div", "figure");
  f.append(canvas, el("span", "caption", caption));
  return f;
}

function fieldFigure(field, caption) {
  const c = el("canvas");
  if (field.image_shape) {
    const m = paintDiverging(c, field.values, field.image_shape[0], field.image_shape[1]);
    return figure(`${caption} over the ${field.over}: red excites, blue inhibits (|w| up to ${m.toPrecision(3)})`, c);
  }
  return signedBars(field.values, field.names || field.values.map((_, i) => `unit ${i}`),
                    `${caption} over the ${field.over}`);
}

function signedBars(values, names, title) {
  const box = el("div");
  box.append(el("h3", null, title));
  const m = Math.max(1e-12, ...values.map(Math.abs));
  const order = values.map((v, i) => i).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a])).slice(0, 20);
  for (const i of order) {
    const row = el("div", "bar-row"), track = el("div", "track"), fill = el("div", values[i] < 0 ? "fill neg" : "fill pos");
    fill.style.width = `${50 * Math.abs(values[i]) / m}%`;
    track.append(fill);
    row.append(el("span", "name", names[i]), track, el("span", "value", values[i].toFixed(3)));
    box.append(row);
  }
  return box;
}

function examplesStrip(title, items) {
  const box = el("div");
  box.append(el("h3", null, title));
  const strip = el("div", "examples");
  for (const it of items) {
    const f = el("figure");
    if (it.x) { const c = el("canvas"); paintGray(c, it.x, 28, 28); f.append(c); }
    f.append(el("figcaption", null, `${it.label} (${it.activation.toFixed(2)})`));
    strip.append(f);
  }
  box.append(strip);
  return box;
}

async function openUnit(layer, unit) {
  S.selected = { layer, unit };
  renderLayers();
  $("card-title").textContent = `Layer ${layer}, unit ${unit}`;
  const card = $("card");
  card.replaceChildren(el("p", "hint", "loading…"));
  let data;
  try { data = await api(`/api/units/${layer}/${unit}`); }
  catch (err) { card.replaceChildren(el("p", "error", err.message)); return; }
  if (!S.selected || S.selected.layer !== layer || S.selected.unit !== unit) return;
  card.replaceChildren();
  card.dataset.unit = `${layer}/${unit}`;
  if (data.description) card.append(el("p", "description", data.description));
  const grid = el("div", "card-grid");
  grid.append(fieldFigure(data.field, "Receptive field"));
  if (data.maximizing_input && S.info.image_shape) {
    const c = el("canvas");
    paintGray(c, data.maximizing_input, 28, 28);
    grid.append(figure("The input that excites it most (activation maximisation)", c));
  }
  const contrib = el("div", "figure");
  contrib.id = "contribution";
  grid.append(contrib);
  card.append(grid);
  if (data.top) card.append(examplesStrip("Test examples that excite it most", data.top));
  if (data.bottom) card.append(examplesStrip("… and least", data.bottom));
  if (data.class_means) {
    const box = el("div");
    box.append(el("h3", null, "Mean activation per class (test split)"));
    appendBars(box, data.class_means, S.info.class_names);
    card.append(box);
  }
  refreshContribution();
}

function appendBars(box, values, names) {
  const m = Math.max(1e-12, ...values.map((v) => Math.abs(v || 0)));
  values.forEach((v, i) => {
    const row = el("div", "bar-row"), track = el("div", "track"), fill = el("div", "fill");
    fill.style.width = `${100 * Math.max(0, v || 0) / m}%`;
    track.append(fill);
    row.append(el("span", "name", names[i]), track, el("span", "value", v === null ? "–" : v.toFixed(3)));
    box.append(row);
  });
}

async function refreshContribution() {
  const sel = S.selected, box = $("contribution");
  if (!sel || !box || !S.x) return;
  let d;
  try { d = await api(`/api/units/${sel.layer}/${sel.unit}/contribution`, { x: Array.from(S.x) }); }
  catch (err) { box.replaceChildren(el("p", "error", err.message)); return; }
  if (S.selected !== sel) return;
  const text = `sum ${d.sum.toFixed(3)} + bias ${d.bias.toFixed(3)} = pre-activation ${d.pre_activation.toFixed(3)}`;
  if (d.image_shape) {
    const c = el("canvas");
    paintDiverging(c, d.contribution, d.image_shape[0], d.image_shape[1]);
    box.replaceChildren(c, el("span", "caption", "This input × weights: red pixels push the unit up, blue down"),
                        el("span", "caption decomposition", text));
  } else {
    const names = sel.layer === 0 ? S.info.feature_names : d.contribution.map((_, i) => `unit ${i}`);
    box.replaceChildren(signedBars(d.contribution, names, `Contributions of the ${d.over} on this input`),
                        el("span", "caption decomposition", text));
  }
}

async function openOutput(k) {
  S.selected = null;
  renderLayers();
  const name = S.info.class_names ? S.info.class_names[k] : `output ${k}`;
  $("card-title").textContent = `Output ${name}`;
  const card = $("card");
  card.replaceChildren(el("p", "hint", "loading…"));
  let d;
  try { d = await api(`/api/outputs/${k}/top-units`); }
  catch (err) { card.replaceChildren(el("p", "error", err.message)); return; }
  card.replaceChildren();
  card.dataset.unit = `output/${k}`;
  if (d.layer === null) { card.append(el("p", "hint", "This network has no hidden layer.")); return; }
  for (const [title, list] of [["Units that push it up most (largest weights)", d.positive],
                               ["Units that push it down most (most negative weights)", d.negative]]) {
    card.append(el("h3", null, title));
    const row = el("div", "units-list");
    for (const u of list) {
      const f = el("figure"), c = el("canvas");
      f.append(c, el("figcaption", null, `unit ${u.unit}, w=${u.weight.toFixed(2)}`));
      f.addEventListener("click", () => openUnit(d.layer, u.unit));
      row.append(f);
      api(`/api/units/${d.layer}/${u.unit}/field`).then((field) => {
        if (field.image_shape) paintDiverging(c, field.values, field.image_shape[0], field.image_shape[1]);
        else c.remove();
      });
    }
    card.append(row);
  }
}

// ------------------------------------------------------------------ tabular models
function buildSliders() {
  const box = $("sliders");
  S.x = new Float32Array(S.info.features.map((f) => f.value));
  S.info.features.forEach((f, i) => {
    const row = el("label", "slider"), input = el("input"), value = el("span", "value");
    input.type = "range"; input.min = f.min; input.max = f.max;
    input.step = (f.max - f.min) / 200 || 1; input.value = f.value; input.id = `feature-${i}`;
    value.textContent = Number(f.value).toPrecision(4);
    input.addEventListener("input", () => {
      const x = Float32Array.from(S.x); x[i] = Number(input.value);
      value.textContent = Number(input.value).toPrecision(4);
      setInput(x, true);
    });
    row.append(el("span", "name", f.name), input, value);
    box.append(row);
  });
}

async function showImportance() {
  const box = $("importance");
  const d = await api("/api/importance");
  if (!d.values) return;
  box.hidden = false;
  box.replaceChildren(signedBars(d.values, d.names, `Feature importance: ${d.method}`));
}

// ------------------------------------------------------------------ examples
async function fillExamples(select) {
  const d = await api("/api/examples");
  select.replaceChildren(el("option", null, d.examples.length ? "choose…" : "(no data set)"));
  for (const e of d.examples) {
    const o = el("option", null, `#${e.index}: ${e.label}`);
    o.value = e.index;
    select.append(o);
  }
  select.addEventListener("change", async () => {
    if (select.value === "" || isNaN(Number(select.value))) return;
    const ex = await api(`/api/examples/${Number(select.value)}`);
    const x = Float32Array.from(ex.x);
    if (S.info.image_shape) showOnCanvas(x);
    else syncSliders(x);
    setInput(x, true);
  });
}

function showOnCanvas(x) {  // the example, scaled up onto the drawing canvas
  const ctx = $("draw").getContext("2d"), img = ctx.createImageData(280, 280);
  for (let y = 0; y < 280; y++) for (let xx = 0; xx < 280; xx++) {
    const g = Math.round(255 * x[Math.floor(y / 10) * 28 + Math.floor(xx / 10)]);
    img.data.set([g, g, g, 255], 4 * (y * 280 + xx));
  }
  ctx.putImageData(img, 0, 0);
}

function syncSliders(x) {
  x.forEach((v, i) => {
    const input = $(`feature-${i}`);
    input.value = v;
    input.nextSibling.textContent = Number(v).toPrecision(4);
  });
}

// ------------------------------------------------------------------ start
async function main() {
  const [info, w] = await Promise.all([api("/api/model"), api("/api/weights")]);
  S.info = info;
  S.net = { sizes: w.sizes, acts: w.activations, W: w.weights.map(decode), b: w.biases.map(decode),
            mean: decode(w.mean), scale: decode(w.scale) };
  const score = info.test_score === undefined ? "" : `, test ${info.score_name} ${info.test_score.toFixed(4)}`;
  $("model-label").textContent = `${info.label}${info.dataset ? ` on ${info.dataset}` : ""}${score}`;
  buildLayers();
  if (info.image_shape && info.image_shape[0] === 28 && info.image_shape[1] === 28) {
    $("image-input").hidden = false;
    setupCanvas();
    await fillExamples($("examples"));
    setInput(new Float32Array(info.sizes[0]), false);
  } else {
    $("tabular-input").hidden = false;
    if (info.features) buildSliders(); else S.x = new Float32Array(info.sizes[0]);
    await fillExamples($("tab-examples"));
    setInput(S.x, false);
    showImportance().catch((err) => { $("importance").replaceChildren(el("p", "error", err.message)); });
  }
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  $("model-label").textContent = `could not start: ${err.message}`;
  $("model-label").className = "error";
});
