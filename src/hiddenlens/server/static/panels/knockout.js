// Knock-out mode: with the mode on, a click on a unit of a hidden layer's grid switches it off
// (its activation replaced by 0, or by its mean over the test split) and a second click
// restores it; a unit card's slider sets any value. The page's forward pass runs with
// S.interventions, so every later layer and the outputs update at once, without the server.
// Each update is timed from the click with performance.now() into S.knockout.stats and
// #knockout-timing, beside the stroke's #timing. Changed units are drawn over the grids: a
// cross for knocked out, a frame for a value set by hand.
import { api } from "../api.js";
import { $, el, fixed } from "../dom.js";
import { emit, on } from "../events.js";
import { forward } from "../forward.js";
import { nLayers, S } from "../state.js";
import { useStylesheet } from "../stylesheet.js";
import { addSection } from "./card.js";
import { gridShape } from "./layers.js";

const KO = {
  mode: false,
  value: "zero",   // what a knock-out puts in a unit's place: "zero" or "mean"
  units: [],       // per hidden layer: Map unit -> {kind: "zero" | "mean" | "set", value}
  means: null,     // per hidden layer: Float64Array of test-split means, once fetched
  stats: { updates: 0, lastMs: 0, maxMs: 0, times: [] },  // ms per update, click to redrawn
};
const overlays = [];     // per hidden layer: {canvas, rows, cols, w, h, scale}
let intact = null;       // {x, a}: the activations of S.x with no intervention
let cardBox = null;      // the open card's "set its value" section: {l, u, ...elements}

export function mount() {
  useStylesheet("causal.css");
  S.knockout = KO;  // the browser tests and the benchmark read stats and units
  const nHidden = nLayers() - 1;
  KO.units = Array.from({ length: nHidden }, () => new Map());
  S.interventions.push((l, a) => {  // in forward(): layer l's activations, before l + 1 reads
    const changed = KO.units[l];
    if (changed) for (const [u, e] of changed) a[u] = e.value;
  });
  if (!nHidden) return;
  $("layers").before(toolbar());
  setMode(false);
  const timing = el("span", null, "");
  timing.id = "knockout-timing";
  timing.title = "time from a click on a unit (knock-out mode) to every layer redrawn, " +
                 "measured in the page";
  $("timing").after(timing);
  for (let l = 0; l < nHidden; l++) overlays.push(overlay(l));
  on("input", () => { showReadout(); showCard(); });
  addSection(valueSection);
}

// ------------------------------------------------------------------ the toolbar
function toolbar() {
  const box = el("div", "knockout"), row = el("div", "row");
  const mode = el("input"), label = el("label", "toggle");
  mode.type = "checkbox"; mode.id = "knockout-mode";
  label.append(mode, " Knock-out mode");
  const select = el("select");
  select.id = "knockout-value";
  select.title = "what a knocked-out unit takes: 0, or its mean activation on the test split";
  for (const [v, text] of [["zero", "0"], ["mean", "its mean"]]) {
    const o = el("option", null, text);
    o.value = v;
    select.append(o);
  }
  if (!S.info.n_examples) {  // no data set: no means
    select.lastChild.disabled = true;
    select.title = "the explorer was started without a data set, so units have no means";
  }
  const replace = el("label", null, "replace with ");
  replace.append(select);
  const reset = el("button", null, "Reset all");
  reset.type = "button"; reset.id = "knockout-reset"; reset.disabled = true;
  row.append(label, replace, reset);
  const hint = el("p", "hint", "");
  hint.id = "knockout-hint";
  const readout = el("p", "readout", "");
  readout.id = "knockout-readout";
  readout.ariaLive = "polite";
  const list = el("p", "caption", "");
  list.id = "knockout-units";
  box.append(row, hint, readout, list);
  box.id = "knockout";
  mode.addEventListener("change", () => setMode(mode.checked));
  select.addEventListener("change", () => setValue(select.value));
  reset.addEventListener("click", () => resetAll());
  return box;
}

function setMode(on) {
  KO.mode = on;
  $("layers").classList.toggle("knockout-on", on);
  const key = "a red cross: knocked out; an orange frame: a value set by hand";
  $("knockout-hint").textContent = on
    ? `Click a unit in a grid to switch it off, again to restore it (${key}). Turn the mode ` +
      "off to open units' cards again; a card's slider sets any value."
    : "Turn it on, then click units in the grids to switch them off: every later layer and " +
      "the outputs follow at once. A unit's card can knock it out or set its value too.";
  showReadout();
}

async function setValue(value) {  // re-applies to the units knocked out so far
  if (value === "mean" && !KO.means) {
    try {
      KO.means = await Promise.all(KO.units.map((_, l) => api(`/api/layers/${l}/means`)
        .then((d) => Float64Array.from(d.means))));
    } catch (err) {
      $("knockout-value").value = KO.value;
      $("knockout-readout").textContent = `no means: ${err.message}`;
      return;
    }
  }
  KO.value = value;
  const t0 = performance.now();
  KO.units.forEach((changed, l) => {
    for (const [u, e] of changed) if (e.kind !== "set") changed.set(u, knockedOut(l, u));
  });
  if (count()) rerun(t0);
}

const knockedOut = (l, u) => ({ kind: KO.value, value: KO.value === "mean" ? KO.means[l][u] : 0 });
const count = () => KO.units.reduce((n, m) => n + m.size, 0);

// ------------------------------------------------------------------ clicks and updates
function overlay(l) {  // a canvas over grid l that draws the changes and takes the clicks
  const grid = $(`layer-${l}`), wrap = grid.parentElement, c = el("canvas", "knockout-overlay");
  const n = S.net.sizes[l + 1], [rows, cols] = gridShape(n);
  const o = { canvas: c, rows, cols, w: grid.clientWidth, h: grid.clientHeight };
  o.scale = window.devicePixelRatio || 1;
  c.width = Math.round(o.w * o.scale); c.height = Math.round(o.h * o.scale);
  c.style.width = `${o.w}px`; c.style.height = `${o.h}px`;
  c.style.left = `${grid.clientLeft}px`; c.style.top = `${grid.clientTop}px`;
  wrap.append(c);
  wrap.addEventListener("click", (e) => {  // capture: before the grid opens the unit's card
    if (!KO.mode) return;
    e.stopPropagation();
    const t0 = performance.now(), r = grid.getBoundingClientRect();
    const u = Math.floor((e.clientY - r.top) / r.height * rows) * cols +
              Math.floor((e.clientX - r.left) / r.width * cols);
    if (u >= 0 && u < n) toggle(l, u, t0);
  }, true);
  return o;
}

function toggle(l, u, t0 = performance.now()) {
  const changed = KO.units[l];
  if (changed.has(u)) changed.delete(u);
  else changed.set(u, knockedOut(l, u));
  rerun(t0);
}

function setUnit(l, u, value, t0 = performance.now()) {
  KO.units[l].set(u, { kind: "set", value });
  rerun(t0);
}

function resetAll() {
  const t0 = performance.now();
  KO.units.forEach((m) => m.clear());
  rerun(t0);
}

// The update a click makes: setInput's, on the same input (no "settled": the server's
// numbers do not change), timed into S.knockout.stats instead of the stroke's.
function rerun(t0) {
  S.last = forward(S.net, S.x, S.interventions);
  emit("input", { final: false });
  drawOverlays();
  record(performance.now() - t0);
}

function record(ms) {
  const st = KO.stats;
  st.updates += 1; st.lastMs = ms; st.maxMs = Math.max(st.maxMs, ms); st.times.push(ms);
  if (st.times.length > 1000) st.times.shift();  // the median of the last thousand
  const sorted = [...st.times].sort((a, b) => a - b);
  $("knockout-timing").textContent = `knock-out ${ms.toFixed(2)} ms (median ` +
    `${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ms over ${st.updates})`;
}

function drawOverlays() {
  overlays.forEach((o, l) => {
    const ctx = o.canvas.getContext("2d"), cw = o.canvas.width / o.cols;
    const ch = o.canvas.height / o.rows, lw = Math.max(1, Math.min(cw, ch) / 7);
    ctx.clearRect(0, 0, o.canvas.width, o.canvas.height);
    for (const [u, e] of KO.units[l]) {
      const x = (u % o.cols) * cw, y = Math.floor(u / o.cols) * ch;
      if (e.kind === "set") frameCell(ctx, x, y, cw, ch, lw);
      else cross(ctx, x, y, cw, ch, lw);
    }
  });
  $("knockout-reset").disabled = !count();
}

function cross(ctx, x, y, w, h, lw) {  // a white cell with a red cross: no viridis colour is white
  const p = Math.min(w, h) * 0.2;
  ctx.fillStyle = "#fff";
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#d62d20"; ctx.lineWidth = Math.max(1.5, 1.6 * lw); ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x + p, y + p); ctx.lineTo(x + w - p, y + h - p);
  ctx.moveTo(x + w - p, y + p); ctx.lineTo(x + p, y + h - p);
  ctx.stroke();
}

function frameCell(ctx, x, y, w, h, lw) {
  ctx.lineWidth = lw * 1.6; ctx.strokeStyle = "#e8710a";
  ctx.strokeRect(x + lw, y + lw, w - 2 * lw, h - 2 * lw);
}

// ------------------------------------------------------------------ how the outputs moved
function intactActivations() {  // S.x's activations without interventions, once per input
  if (!count()) return S.last.a;  // nothing changed: no second forward pass on a stroke
  if (!intact || intact.x !== S.x) intact = { x: S.x, a: forward(S.net, S.x, []).a };
  return intact.a;
}

function outputs(a) {  // [names, values]: probabilities (two for one sigmoid unit) or values
  const out = Array.from(a[a.length - 1]), names = S.info.class_names;
  if (S.info.task === "classification" && out.length === 1) return [names, [1 - out[0], out[0]]];
  return [names || out.map((_, i) => `output ${i}`), out];
}

const argmax = (v) => v.reduce((k, p, i) => (p > v[k] ? i : k), 0);

function showReadout() {
  const n = count();
  if (!n) {
    $("knockout-readout").textContent = "Nothing knocked out: the network is intact.";
    $("knockout-units").textContent = $("knockout-units").title = "";
    return;
  }
  const [names, before] = outputs(intactActivations()), [, after] = outputs(S.last.a);
  const units = `${n} unit${n > 1 ? "s" : ""} changed`;
  if (S.info.task !== "classification") {
    $("knockout-readout").textContent = `${units}: output ` +
      before.map((v, i) => `${v.toPrecision(4)} → ${after[i].toPrecision(4)}`).join(", ");
  } else {
    const k0 = argmax(before), k1 = argmax(after);
    const moved = k0 === k1 ? `prediction stays ${names[k0]}` : `prediction ${names[k0]} → ${names[k1]}`;
    const probs = [...new Set([k0, k1])].map((k) =>
      `p(${names[k]}) ${before[k].toFixed(3)} → ${after[k].toFixed(3)}`).join(", ");
    $("knockout-readout").textContent = `${units}: ${moved}; ${probs}`;
    $("knockout-readout").dataset.predicted = names[k1];
  }
  const list = KO.units.map((m, l) => m.size &&
    `layer ${l}: ${[...m.keys()].sort((a, b) => a - b).join(", ")}`).filter(Boolean).join("; ");
  $("knockout-units").textContent = list;  // one line, cut with an ellipsis: whole in a tooltip
  $("knockout-units").title = list;
}

// ------------------------------------------------------------------ the unit card's section
function range(data) {  // the slider's ends: the activation's own, else the test split's
  const act = S.net.acts[data.layer];
  if (act === "sigmoid") return [0, 1];
  if (act === "tanh") return [-1, 1];
  const hi = data.top && data.top.length ? data.top[0].activation : 1;
  const lo = data.bottom && data.bottom.length ? data.bottom[0].activation : 0;
  const span = Math.max(1e-6, hi - Math.min(0, lo));
  return [Math.min(0, lo), Math.min(0, lo) + 1.25 * span];
}

function valueSection(data) {
  const l = data.layer, u = data.unit;
  if (l >= nLayers() - 1) return null;
  const box = el("div", "wide knockout-set"), row = el("div", "row");
  const [lo, hi] = range(data), slider = el("input"), number = el("input");
  slider.type = "range"; slider.min = lo; slider.max = hi; slider.step = (hi - lo) / 200;
  slider.id = "knockout-slider";
  number.type = "number"; number.step = "any"; number.id = "knockout-number";
  const knock = el("button", null, ""), restore = el("button", null, "Restore");
  knock.type = restore.type = "button"; knock.id = "knockout-toggle";
  row.append(knock, slider, number, restore);
  const now = el("p", "caption", "");
  box.append(el("h3", null, "Switch it off, or set its value: the outputs follow"), row, now);
  knock.addEventListener("click", () => {  // a unit set by hand is knocked out, not restored
    const e = KO.units[l].get(u);
    if (e && e.kind !== "set") KO.units[l].delete(u);
    else KO.units[l].set(u, knockedOut(l, u));
    rerun(performance.now());
  });
  restore.addEventListener("click", () => { KO.units[l].delete(u); rerun(performance.now()); });
  slider.addEventListener("input", () => setUnit(l, u, Number(slider.value)));
  number.addEventListener("change", () => {
    const v = Number(number.value);
    if (number.value.trim() !== "" && Number.isFinite(v)) setUnit(l, u, v);
  });
  cardBox = { l, u, box, slider, number, knock, restore, now };
  showCard();
  return box;
}

function showCard() {
  const c = cardBox;
  if (!c || !S.last) return;  // a closed card's section is detached: updating it is harmless
  const e = KO.units[c.l].get(c.u), v = S.last.a[c.l][c.u];
  c.knock.textContent = e && e.kind !== "set" ? "Restore it" : "Knock it out";
  c.restore.disabled = !e;
  c.slider.value = v;
  if (document.activeElement !== c.number) c.number.value = Number(v.toPrecision(6));
  const was = ` (${fixed(intactActivations()[c.l][c.u])} intact)`;
  c.now.textContent = `On this input it is ${fixed(v)}` + (
    !e ? (v === intactActivations()[c.l][c.u] ? "." : ` now that units below it changed${was}.`)
    : e.kind === "set" ? `, set by hand${was}.`
    : `: knocked out to ${e.kind === "mean" ? "its test-split mean" : "0"}${was}.`);
}
