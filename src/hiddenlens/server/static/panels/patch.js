// Patch mode: which units carry the difference between two inputs. Every unit of the chosen
// layer, one at a time, takes its value on the source input while the destination runs, and
// is coloured by how far that alone moves the destination toward the source's class
// (patch_effect: 0 no move, 1 all the way to the source's logit difference, below 0 away).
//
// The numbers come from /api/patch, which is patch_effect itself, rather than from a second
// implementation over the page's forward pass: they are asked for once per pick (not once per
// frame), the server patches all units in one low-rank pass (milliseconds for 512 units, where
// the page would run 512 forward passes), and the grid then shows exactly the numbers the
// Python API, the CLI and the report give. A click on a unit opens its card.
import { api } from "../api.js";
import { barRow } from "../bars.js";
import { diverging, paint, paintGray } from "../colors.js";
import { $, el, fixed, signed } from "../dom.js";
import { emit, on } from "../events.js";
import { forward } from "../forward.js";
import { nLayers, S } from "../state.js";
import { useStylesheet } from "../stylesheet.js";
import { gridShape } from "./layers.js";

const N_TOP = 5;  // units listed toward the source, and away from it
const P = { on: false, ticket: 0, examples: [], xs: new Map(), result: null };
let grid = null;  // {layer, n, rows, cols, cell, canvas, marker, readout}

export async function mount() {
  if (S.info.task !== "classification" || nLayers() < 2) return;
  useStylesheet("causal.css");
  S.patch = P;  // the browser tests read the result the grid is painted from
  P.examples = S.info.n_examples ? (await api("/api/examples")).examples : [];
  $("input-panel").append(panel());
  on("settled", () => { if (P.on && usesInput()) compute(); });
  on("select", frame);
}

// ------------------------------------------------------------------ the controls
function panel() {
  const box = el("div", "patch"), mode = el("input"), label = el("label", "toggle");
  box.id = "patch";
  mode.type = "checkbox"; mode.id = "patch-mode";
  label.append(mode, " Patch mode");
  const body = el("div", "patch-body");
  body.id = "patch-body"; body.hidden = true;
  body.append(picker("source", "Copy units from"), picker("dest", "into"), layerPicker());
  const caption = el("p", "caption", ""), figure = el("div", "patch-figure");
  caption.id = "patch-caption"; figure.id = "patch-figure";
  body.append(caption, figure);
  box.append(el("h2", null, "Patch"),
             el("p", "hint", "Which units carry the difference between two inputs: each unit " +
                             "of a layer gets its value from the source while the destination " +
                             "runs, and is coloured by how far that alone moves the " +
                             "destination toward the source's class."),
             label, body);
  mode.addEventListener("change", () => {
    P.on = mode.checked;
    body.hidden = !P.on;
    if (P.on) compute();
  });
  return box;
}

function picker(key, text) {
  const row = el("div", "row patch-pick"), select = el("select"), thumb = el("canvas");
  select.id = `patch-${key}`;
  const own = el("option", null, S.info.image_shape ? "the drawn digit" : "the current input");
  own.value = "input";
  select.append(own);
  for (const e of P.examples) {
    const o = el("option", null, `#${e.index}: ${e.label}`);
    o.value = e.index;
    select.append(o);
  }
  select.value = defaultPick(key);
  select.addEventListener("change", compute);
  thumb.id = `patch-${key}-thumb`; thumb.className = "thumb";
  const label = el("label", null, `${text} `);
  label.append(select);
  row.append(label);
  if (S.info.image_shape) row.append(thumb);
  return row;
}

function defaultPick(key) {  // an example of one class into an example of another
  const ex = P.examples;
  if (!ex.length) return "input";
  if (key === "dest") return String(ex[0].index);
  const other = ex.find((e) => e.label !== ex[0].label);
  return other ? String(other.index) : "input";
}

function layerPicker() {
  const label = el("label", null, "layer "), select = el("select");
  select.id = "patch-layer";
  for (let l = 0; l < nLayers() - 1; l++) {
    const o = el("option", null, `${l} (${S.net.sizes[l + 1]} units)`);
    o.value = l;
    select.append(o);
  }
  select.addEventListener("change", compute);
  label.append(select);
  const row = el("div", "row");
  row.append(label);
  return row;
}

const usesInput = () => [$("patch-source").value, $("patch-dest").value].includes("input");

// ------------------------------------------------------------------ asking for the effects
async function inputOf(value) {  // -> {x, spec, label}: the input and how /api/patch names it
  if (value === "input") {
    return { x: S.x, spec: { x: Array.from(S.x) },
             label: S.info.image_shape ? "the drawn digit" : "the current input" };
  }
  const i = Number(value);
  if (!P.xs.has(i)) {
    P.xs.set(i, api(`/api/examples/${i}`).then((e) => Float32Array.from(e.x))
      .catch((err) => { P.xs.delete(i); throw err; }));  // asked again next time
  }
  return { x: await P.xs.get(i), spec: { example: i }, label: `example #${i}` };
}

function predicted(x) {  // the intact network's class for x, as patch_effect decides it
  const out = forward(S.net, x, []).a.at(-1);
  if (out.length === 1) return out[0] > 0.5 ? 1 : 0;
  let k = 0;
  out.forEach((p, i) => { if (p > out[k]) k = i; });
  return k;
}

async function compute() {
  const ticket = ++P.ticket, layer = Number($("patch-layer").value);
  const caption = $("patch-caption");
  let src, dst;
  try {
    [src, dst] = await Promise.all([inputOf($("patch-source").value), inputOf($("patch-dest").value)]);
  } catch (err) { caption.textContent = err.message; caption.className = "error"; return; }
  if (ticket !== P.ticket) return;
  thumbnails(src.x, dst.x);
  const names = S.info.class_names, cs = predicted(src.x), cd = predicted(dst.x);
  caption.className = "caption";
  if (cs === cd) {
    P.result = null;
    caption.textContent = `Both inputs are predicted as ${names[cs]}. Patching measures the move ` +
      "from one class to another: pick two inputs the network tells apart.";
    $("patch-figure").replaceChildren();
    return;
  }
  caption.textContent = "computing…";
  let d;
  try { d = await api("/api/patch", { layer, source: src.spec, dest: dst.spec }); }
  catch (err) { if (ticket === P.ticket) { caption.textContent = err.message; caption.className = "error"; } return; }
  if (ticket !== P.ticket) return;
  P.result = d;
  caption.textContent = `${cap(src.label)} (predicted ${d.source_name}) into ${dst.label} ` +
    `(predicted ${d.dest_name}), layer ${d.layer}. Effect: how far copying one unit moves the ` +
    `destination's logit[${d.source_name}] − logit[${d.dest_name}] from its own ` +
    `${fixed(d.dest_difference, 2)} (0) toward the source's ${fixed(d.source_difference, 2)} (1).`;
  render(d);
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);

function thumbnails(xs, xd) {
  if (!S.info.image_shape) return;
  paintGray($("patch-source-thumb"), xs, ...S.info.image_shape);
  paintGray($("patch-dest-thumb"), xd, ...S.info.image_shape);
}

// ------------------------------------------------------------------ drawing the effects
function render(d) {
  const n = d.effect.length, [rows, cols] = gridShape(n);
  const cell = Math.max(4, Math.min(28, Math.floor(280 / cols)));
  const canvas = el("canvas"), marker = el("div", "marker"), readout = el("div", "readout");
  canvas.id = "patch-grid";
  canvas.style.width = `${cols * cell}px`; canvas.style.height = `${rows * cell}px`;
  marker.hidden = true;
  marker.style.width = marker.style.height = `${cell + 2}px`;
  let m = 1e-12;
  for (const v of d.effect) m = Math.max(m, Math.abs(v));
  paint(canvas, d.effect, rows, cols, (v) => diverging(v / m));
  grid = { layer: d.layer, n, rows, cols, cell, canvas, marker, readout };
  const unitAt = (e) => {
    const r = canvas.getBoundingClientRect();
    const u = Math.floor((e.clientY - r.top) / r.height * rows) * cols +
              Math.floor((e.clientX - r.left) / r.width * cols);
    return u >= 0 && u < n ? u : null;
  };
  canvas.addEventListener("mousemove", (e) => { readout.textContent = describe(d, unitAt(e)); });
  canvas.addEventListener("click", (e) => {
    const u = unitAt(e);
    if (u !== null) emit("open-unit", { layer: d.layer, unit: u });
  });
  const wrap = el("div", "grid-wrap");
  wrap.append(canvas, marker);
  $("patch-figure").replaceChildren(wrap, readout, legend(m, d), ...lists(d, m), note());
  frame();
}

function describe(d, u) {
  if (u === null) return "";
  const after = S.info.class_names[d.predicted[u]];
  return `unit ${u}: effect ${signed(d.effect[u])}; the destination then predicts ${after}`;
}

function legend(m, d) {
  const box = el("div", "patch-legend"), bar = el("canvas"), ticks = el("div", "ticks");
  const steps = Array.from({ length: 101 }, (_, i) => i / 50 - 1);
  paint(bar, steps, 1, steps.length, diverging);
  ticks.append(el("span", null, signed(-m, 2)), el("span", null, "0"), el("span", null, signed(m, 2)));
  box.append(bar, ticks, el("p", "caption", `red: the unit's value from the source moves the ` +
    `destination toward ${d.source_name}; blue: away, toward ${d.dest_name} or beyond. ` +
    `${d.flips} of ${d.layer_size} units flip the prediction to ${d.source_name} on their own.`));
  return box;
}

function lists(d, m) {
  const part = (title, units, cls) => {
    const box = el("div", `patch-top ${cls}`);
    box.append(el("h3", null, title));
    if (!units.length) box.append(el("p", "caption", "none"));
    for (const u of units) {
      const flips = d.predicted[u] === d.source_class ? ` → ${d.source_name}` : "";
      const row = barRow(`unit ${u}${flips}`, signed(d.effect[u]), 100 * Math.abs(d.effect[u]) / m,
                         d.effect[u] > 0 ? "fill toward" : "fill away");
      row.dataset.unit = u;
      row.title = `open the card of layer ${d.layer}, unit ${u}`;
      row.addEventListener("click", () => emit("open-unit", { layer: d.layer, unit: u }));
      box.append(row);
    }
    return box;
  };
  return [part(`Units that carry it most (toward ${d.source_name})`, d.top.slice(0, N_TOP), "toward"),
          part("… and most against it", d.bottom.slice(0, 3), "away")];
}

function note() {  // the page's knock-outs are not the server's
  const k = S.knockout ? S.knockout.units.reduce((n, m) => n + m.size, 0) : 0;
  return k ? el("p", "caption", "Computed on the intact network: the knock-outs above are " +
                                "not applied here.") : el("span");
}

function frame() {  // a frame around the open unit when it is in the patched layer
  if (!grid) return;
  const sel = S.selected, open = sel && sel.layer === grid.layer && sel.unit < grid.n;
  grid.marker.hidden = !open;
  if (!open) return;
  grid.marker.style.left = `${(sel.unit % grid.cols) * grid.cell}px`;
  grid.marker.style.top = `${Math.floor(sel.unit / grid.cols) * grid.cell}px`;
}
