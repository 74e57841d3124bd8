// The heat-map panel of an image model: every attribution method's map of the input for the
// predicted class, its deletion AUC on this input against random orders, and its row of the
// network-level table (the test split, computed once on the server when the button asks);
// a click on a map draws its deletion curve. The numbers come from /api/heatmaps;
// text goes in by textContent only.
import { api } from "../api.js";
import { paintDiverging } from "../colors.js";
import { el, fixed } from "../dom.js";
import { on } from "../events.js";
import { S } from "../state.js";

const SCORES = { softmax: "class probability", logit: "class logit", output: "output" };
const W = 480, H = 280, PAD = { left: 46, right: 12, top: 40, bottom: 34 };  // the curve
let panel = null, cards = null, curve = null, about = null;
let last = null, table = null, selected = null, ticket = 0, asked = false;
const num = (v, digits = 3) => (v === null || v === undefined ? "n/a" : fixed(v, digits));

export function mount() {
  if (!S.info.image_shape) return;
  const css = el("link");
  css.rel = "stylesheet"; css.href = "/static/panels/heatmaps.css";
  document.head.append(css);
  build();
  on("settled", refresh);
}

function build() {
  panel = el("section", "panel");
  panel.id = "heatmaps-panel";
  cards = el("div", "hm-cards");
  cards.id = "heatmaps";
  curve = el("div", "hm-curve");
  curve.id = "hm-curve";
  curve.hidden = true;
  // the test split's table is seconds of server work (tens on a 512-unit net) that would
  // slow every other panel's requests: it is computed when asked for, once per server
  about = el("p", "hint hm-about");
  const score = el("button", null, "Score the methods on the test split");
  score.id = "hm-score";
  score.addEventListener("click", () => { about.textContent = "Scoring the methods on the " +
    "test split (up to its first 200 digits; seconds to a minute)…"; asked = true; loadTable(); });
  about.append(score, " rank, faithfulness and sanity check of each method on this network.");
  panel.append(el("h2", null, "Which heat map to trust"),
               el("p", "hint", "Each method's map of this input for the predicted class (red " +
                  "raises its score, blue lowers it), how fast deleting its pixels, most " +
                  "relevant first, lowers the score against random orders (a smaller area is " +
                  "more faithful), and its scores on the test split. Click a map for its curve."),
               cards, curve, about);
  document.querySelector("main").append(panel);
  blank();
}

function blank() {
  cards.replaceChildren(el("p", "hint", "Draw a digit or pick a test example."));
  curve.hidden = true;
}

async function loadTable() {
  let d;
  try { d = await api("/api/heatmaps"); }
  catch (err) { about.replaceChildren(el("span", "error", err.message)); return; }
  if (!d.rows) { about.textContent = d.reason; return; }
  table = d;
  about.textContent = `The test split (its first ${d.n_examples} digits), in words: ${d.summary}`;
  if (last) render(last);
}

async function refresh() {
  const mine = ++ticket;  // an answer to an earlier input is dropped
  if (!S.x || !S.x.some((p) => p > 0)) { last = null; delete cards.dataset.loading; blank(); return; }
  cards.dataset.loading = "true";
  let d;
  try { d = await api("/api/heatmaps", { x: Array.from(S.x) }); }
  catch (err) { if (mine === ticket) cards.replaceChildren(el("p", "error", err.message)); return; }
  if (mine !== ticket) return;  // a newer input is on its way
  delete cards.dataset.loading;
  last = d;
  render(d);
}

function render(d) {
  const [h, w] = d.image_shape;
  const items = d.methods.map((m) => card(m, d, h, w));
  cards.replaceChildren(el("h3", "hm-title", `What drives class ${d.target_name} ` +
                           `(predicted): ${d.methods.length} methods`), ...items);
  const keep = d.methods.find((m) => m.name === selected);
  if (keep) draw(keep, d); else curve.hidden = true;
}

function row(name) {
  return table ? table.rows.find((r) => r.method === name) : null;
}

function card(m, d, h, w) {
  const c = el("div", "hm-card"), canvas = el("canvas");
  c.dataset.method = m.name;
  c.dataset.auc = m.auc;
  if (m.name === selected) c.classList.add("selected");
  paintDiverging(canvas, m.map, h, w);
  const mine = el("div", "score input", `this input: deletion AUC ${num(m.auc)} ` +
                  `(random ${num(d.random_auc)} ± ${num(d.random_auc_sd)})`);
  const r = row(m.name);
  const net = el("div", "score net", r ? netLine(r) : asked ? "test split: scoring…" :
                     "test split: not scored yet");
  c.append(el("div", "hm-name", m.title), canvas, mine, net);
  c.addEventListener("click", () => { selected = m.name; render(d); });
  return c;
}

function netLine(r) {
  const check = r.weights_passed === null ? "" :
    `; weights check ${r.weights_passed ? "pass" : "fail"} (ρ ${num(r.weights_similarity, 2)})`;
  return `test split: rank ${r.rank} of ${table.rows.length}, deletion AUC ` +
    `${num(r.deletion_auc)} (random ${num(r.deletion_random_auc)}), faithfulness ` +
    `${num(r.faithfulness_correlation, 2)}${check}`;
}

// ------------------------------------------------------------------ the deletion curve
function draw(m, d) {
  const canvas = el("canvas");
  canvas.width = W; canvas.height = H;
  const g = canvas.getContext("2d");
  const x = (f) => PAD.left + f * (W - PAD.left - PAD.right);
  const ys = [...m.scores, ...d.random_high, ...d.random_low].filter((v) => v !== null);
  const lo = Math.min(0, ...ys), hi = Math.max(1e-9, ...ys);
  const y = (v) => H - PAD.bottom - (v - lo) / (hi - lo) * (H - PAD.top - PAD.bottom);
  axes(g, x, y, lo, hi, d.score);
  g.fillStyle = "rgba(120, 120, 120, 0.3)";  // the random orders' 95% band
  g.beginPath();
  m.fractions.forEach((f, i) => g.lineTo(x(f), y(d.random_high[i] ?? d.random_scores[i])));
  for (let i = m.fractions.length - 1; i >= 0; i--) {
    g.lineTo(x(m.fractions[i]), y(d.random_low[i] ?? d.random_scores[i]));
  }
  g.closePath(); g.fill();
  line(g, m.fractions, d.random_scores, x, y, "#444", [5, 4]);
  line(g, m.fractions, m.scores, x, y, "#c8453a", []);
  legend(g, [[`${m.title}: area ${num(m.auc)}`, "#c8453a", []],
             [`${d.n_random} random orders: ${num(d.random_auc)}`, "#444", [5, 4]]]);
  curve.dataset.method = m.name;
  curve.replaceChildren(el("h3", null, `Deletion curve: ${m.title}`), canvas,
    el("p", "caption", `The ${SCORES[d.score] || d.score} of class ${d.target_name} as this ` +
       "input's pixels are " +
       `set to black, most relevant first by ${m.title} (solid) and in ${d.n_random} random ` +
       "orders (dashed: their mean, grey: its 95% band). A faithful map removes the evidence " +
       "first: its curve falls fast and its area is small."));
  curve.hidden = false;
}

function axes(g, x, y, lo, hi, score) {
  g.strokeStyle = "#8a94a6"; g.fillStyle = "#5b6475"; g.lineWidth = 1; g.setLineDash([]);
  g.font = "11px system-ui, sans-serif";
  g.beginPath(); g.moveTo(x(0), y(hi)); g.lineTo(x(0), y(lo)); g.lineTo(x(1), y(lo)); g.stroke();
  g.textAlign = "center";
  for (const f of [0, 0.25, 0.5, 0.75, 1]) g.fillText(String(f), x(f), y(lo) + 14);
  g.fillText("fraction of pixels deleted", x(0.5), H - 4);
  g.textAlign = "right";
  const step = niceStep((hi - lo) / 4), digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 0.02; v += step) {
    g.fillText((Math.abs(v) < step / 2 ? 0 : v).toFixed(digits), x(0) - 4, y(v) + 4);
  }
  g.save(); g.translate(11, y((lo + hi) / 2)); g.rotate(-Math.PI / 2);
  g.textAlign = "center"; g.fillText(SCORES[score] || score, 0, 0); g.restore();
}

function niceStep(raw) {  // 1, 2 or 5 times a power of ten: ticks at 0, 0.5, 1 and not 0.49
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

function line(g, xs, vs, x, y, color, dash) {
  g.strokeStyle = color; g.lineWidth = 1.6; g.setLineDash(dash);
  g.beginPath();
  xs.forEach((f, i) => { if (vs[i] !== null) g.lineTo(x(f), y(vs[i])); });
  g.stroke(); g.setLineDash([]);
}

function legend(g, items) {
  g.font = "11px system-ui, sans-serif"; g.textAlign = "left";
  items.forEach(([text, color, dash], i) => {  // above the plot, one line each
    const top = 10 + 15 * i, left = PAD.left;
    g.strokeStyle = color; g.lineWidth = 1.6; g.setLineDash(dash);
    g.beginPath(); g.moveTo(left, top); g.lineTo(left + 22, top); g.stroke(); g.setLineDash([]);
    g.fillStyle = "#1d2330"; g.fillText(text, left + 28, top + 4);
  });
}
