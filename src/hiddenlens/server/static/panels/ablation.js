// The unit card's ablation section: what knocking the unit out costs on the test split, per
// class and overall (/api/units/<layer>/<unit>/ablation: `ablate` over the whole layer, run
// once and cached on the server, so the first card of a layer waits and the rest do not).
// Bars grow from a centre line: right (red) where the knock-out lowers the score, left (blue)
// where removing the unit helps.
import { api } from "../api.js";
import { barRow } from "../bars.js";
import { el } from "../dom.js";
import { nLayers, S } from "../state.js";
import { addSection } from "./card.js";

export function mount() {
  addSection(section);
}

function section(data) {
  if (data.layer >= nLayers() - 1 || !S.info.n_examples) return null;
  const box = el("div", "wide ablation"), value = (S.knockout && S.knockout.value) || "zero";
  const n = S.net.sizes[data.layer + 1];
  box.id = "ablation";
  box.append(el("h3", null, "Knocking it out, on the test split"),
             el("p", "hint", `scoring the network with each of layer ${data.layer}'s ${n} units ` +
                             "knocked out in turn (the first card of a layer takes a moment)…"));
  api(`/api/units/${data.layer}/${data.unit}/ablation?value=${value}`)
    .then((d) => box.replaceChildren(...show(d)))
    .catch((err) => box.replaceChildren(el("p", "error", err.message)));
  return box;
}

const accuracy = (d) => d.scoring === "accuracy";
// accuracy in points (one test example in a class of 100 is 1 point); other scores as they are
const amount = (d, v) => (accuracy(d) ? 100 * v : v);
const shown = (d, v) => {
  const a = amount(d, v), digits = accuracy(d) ? 1 : 3;
  return `${a < 0 ? "−" : a > 0 ? "+" : ""}${Math.abs(a).toFixed(digits)}`;
};

function show(d) {
  const replaced = d.value === "mean" ? "its mean on the test split" : "0";
  const title = el("h3", null, `Knocking it out (replaced by ${replaced}) on the test split ` +
                               `(${d.n_examples} examples)`);
  const rows = [["overall", d.drop, null]];
  (d.per_class_drop || []).forEach((v, k) => rows.push([d.class_names[k], v, k]));
  const m = Math.max(1e-12, ...rows.map(([, v]) => Math.abs(v || 0)));
  const bars = el("div", "bars ablation-bars");
  for (const [name, v, k] of rows) {
    const x = v || 0, row = barRow(name, v === null ? "–" : shown(d, x), 50 * Math.abs(x) / m,
                                   x > 0 ? "fill hurt" : "fill helps");
    row.classList.add("ablation-row", k === null ? "overall" : "class");
    row.dataset.drop = v === null ? "" : String(v);
    row.title = tooltip(d, k);
    bars.append(row);
  }
  const unit = accuracy(d) ? "points of accuracy" : d.scoring;
  const note = el("p", "caption", `Bars: ${unit} lost with the unit knocked out on every test ` +
                                  "example; right (red) = the knock-out hurts, left (blue) = " +
                                  "removing the unit helps.");
  return [title, el("p", "description", sentence(d)), bars, note];
}

function tooltip(d, k) {
  if (k === null) return `${d.scoring} ${d.baseline_score.toFixed(4)} → ${d.score.toFixed(4)}`;
  const base = d.per_class_baseline[k], drop = d.per_class_drop[k];
  if (base === null || drop === null) return `no test example of ${d.class_names[k]}`;
  return `${d.class_names[k]}: ${d.scoring} ${base.toFixed(3)} → ${(base - drop).toFixed(3)} ` +
         `over ${d.class_counts[k]} examples`;
}

const plural = (name) => (/^\d+$/.test(name) ? `${name}s` : name);

function classes(d, drops, v) {  // "3s", "3s and 7s", "2s, 3s and 7s": every class tied at v
  const names = d.class_names.filter((_, k) => drops[k] === v).map(plural);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0];
}

// "Knocking it out lowers accuracy on 7s by 4.1 points (overall 0.6)."
function sentence(d) {
  const overall = `overall ${shown(d, d.drop).replace("+", "")}`;
  const what = accuracy(d) ? "accuracy" : d.scoring;
  const by = (v) => accuracy(d) ? `${Math.abs(amount(d, v)).toFixed(1)} points`
                                : Math.abs(v).toFixed(3);
  const drops = (d.per_class_drop || []).map((v) => (v === null ? 0 : v));
  if (!drops.length) {
    if (d.drop === 0) return `Knocking it out leaves ${what} unchanged.`;
    return `Knocking it out ${d.drop > 0 ? "lowers" : "raises"} ${what} by ${by(d.drop)}.`;
  }
  const worst = drops.reduce((k, v, i) => (v > drops[k] ? i : k), 0);
  const best = drops.reduce((k, v, i) => (v < drops[k] ? i : k), 0);
  if (drops[worst] > 0) {
    return `Knocking it out lowers ${what} on ${classes(d, drops, drops[worst])} by ` +
           `${by(drops[worst])} (${overall}).`;
  }
  if (drops[best] < 0) {
    return `Knocking it out lowers ${what} on no class; it raises it on ` +
           `${classes(d, drops, drops[best])} by ${by(drops[best])} (${overall}).`;
  }
  return `Knocking it out changes ${what} on no class (${overall}).`;
}
