// The hidden layers, each a grid of units coloured by activation; hover reads a unit out (and
// the readout follows every new input), a click opens its card ("open-unit"), the open unit is
// framed.
import { paint, viridis } from "../colors.js";
import { $, el } from "../dom.js";
import { emit, on } from "../events.js";
import { S } from "../state.js";

const grids = [];  // per hidden layer: {canvas, rows, cols, cell, marker, readout, hovered}

export function mount() {
  const box = $("layers");
  box.replaceChildren();
  for (let l = 0; l < S.net.sizes.length - 2; l++) box.append(layer(l));
  on("input", render);
  on("select", frame);
}

export function gridShape(n) {  // the same rows x columns as hiddenlens.plot._grid.grid_shape
  let rows = Math.floor(Math.sqrt(n));
  while (rows > 1 && n % rows) rows -= 1;
  let cols = Math.floor(n / rows);
  if (cols > 4 * rows) { rows = Math.floor(Math.sqrt(n)); cols = Math.ceil(n / rows); }
  return [rows, cols];
}

function layer(l) {
  const n = S.net.sizes[l + 1], act = S.net.acts[l], [rows, cols] = gridShape(n);
  const cell = Math.max(4, Math.min(40, Math.floor(300 / cols)));
  const div = el("div", "layer"), c = el("canvas"), readout = el("div", "readout");
  div.append(el("h3", null, `layer ${l}: ${n} ${act} units`));
  const [lo, hi] = { sigmoid: ["0", "1"], tanh: ["-1", "1"] }[act] || ["lowest", "highest"];
  div.append(el("p", "hint", `colour: dark purple = ${lo}, yellow = ${hi}`));
  c.id = `layer-${l}`;
  c.style.width = `${cols * cell}px`; c.style.height = `${rows * cell}px`;
  const unitAt = (e) => {
    const r = c.getBoundingClientRect();
    const u = Math.floor((e.clientY - r.top) / r.height * rows) * cols +
              Math.floor((e.clientX - r.left) / r.width * cols);
    return u < n ? u : null;
  };
  const g = { canvas: c, rows, cols, cell, marker: null, readout, hovered: null };
  c.addEventListener("mousemove", (e) => {
    g.hovered = unitAt(e);
    readout.textContent = describe(l, g.hovered);
  });
  c.addEventListener("click", (e) => {
    const u = unitAt(e);
    if (u !== null) emit("open-unit", { layer: l, unit: u });
  });
  const wrap = el("div", "grid-wrap"), marker = el("div", "marker");  // frames the open unit
  marker.hidden = true;
  marker.style.width = marker.style.height = `${cell + 2}px`;
  wrap.append(c, marker);
  div.append(wrap, readout);
  g.marker = marker;
  grids.push(g);
  return div;
}

function describe(l, u) {
  if (u === null || !S.last) return "";
  return `unit ${u}: activation ${S.last.a[l][u].toFixed(3)}, ` +
         `pre-activation ${S.last.z[l][u].toFixed(3)}`;
}

function range(l, a) {  // the colour scale's ends: the activation's own, else the layer's
  const act = S.net.acts[l];
  if (act === "sigmoid") return [0, 1];
  if (act === "tanh") return [-1, 1];
  let hi = 1e-9, lo = 0;
  for (const v of a) { hi = Math.max(hi, v); lo = Math.min(lo, v); }
  return [lo, hi];
}

function render() {
  grids.forEach((g, l) => {
    const a = S.last.a[l], [lo, hi] = range(l, a);
    paint(g.canvas, a, g.rows, g.cols, (v) => viridis((v - lo) / (hi - lo)));
    g.readout.textContent = describe(l, g.hovered);  // the unit last pointed at, on this input
  });
  frame();
}

function frame() {  // a frame around the open unit, so its colour still shows
  grids.forEach((g, l) => {
    const open = S.selected && S.selected.layer === l;
    g.marker.hidden = !open;
    if (!open) return;
    const u = S.selected.unit;
    g.marker.style.left = `${(u % g.cols) * g.cell}px`;
    g.marker.style.top = `${Math.floor(u / g.cols) * g.cell}px`;
  });
}
