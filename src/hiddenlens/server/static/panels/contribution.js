// The unit card's live section: what this input contributes to the open unit (input x weight),
// fetched again whenever an input settles (a stroke ends, a slider moves). An image model's
// first layer is a picture; otherwise a table gives each factor, on the scale the unit uses.
import { api } from "../api.js";
import { paintDiverging } from "../colors.js";
import { clipped, el, fixed, signed } from "../dom.js";
import { on } from "../events.js";
import { S } from "../state.js";

const N_ROWS = 20;  // the largest |contributions|
let box = null;     // the open card's #contribution

export function mount() {
  on("settled", refresh);
}

export function section() {
  box = el("div", "figure");
  box.id = "contribution";
  refresh();
  return box;
}

async function refresh() {
  const sel = S.selected, target = box;
  if (!sel || !target || !S.x) return;
  let d;
  try { d = await api(`/api/units/${sel.layer}/${sel.unit}/contribution`, { x: Array.from(S.x) }); }
  catch (err) { target.replaceChildren(el("p", "error", err.message)); return; }
  if (S.selected !== sel || box !== target) return;
  const sum = el("span", "caption decomposition", `sum ${d.sum.toFixed(3)} + bias ` +
                 `${d.bias.toFixed(3)} = pre-activation ${d.pre_activation.toFixed(3)}`);
  target.replaceChildren(...(d.image_shape ? [picture(d)] : table(d)), sum);
}

function picture(d) {
  const c = el("canvas"), f = el("div", "figure");
  paintDiverging(c, d.contribution, d.image_shape[0], d.image_shape[1]);
  f.append(c, el("span", "caption", "This input × weights: red pixels push the unit up, blue down"));
  return f;
}

function columns(d) {  // [header, value of row i] for each column before the weight
  if (d.layer > 0) return [[`layer ${d.layer - 1} unit`, (i) => `unit ${i}`],
                           ["activation", (i) => fixed(d.inputs[i])]];
  const cols = [["feature", (i) => S.info.feature_names[i]],
                [d.standardised ? "raw value" : "value", (i) => d.raw[i].toPrecision(4)]];
  if (d.standardised) cols.push(["standard\u00adised", (i) => signed(d.inputs[i])]);
  return cols;
}

function table(d) {  // -> [title, note, table]: one row per input, largest |contribution| first
  const cols = columns(d), t = el("table", "decomp"), head = el("tr");
  const m = Math.max(1e-12, ...d.contribution.map(Math.abs));
  for (const [name] of cols) head.append(el("th", null, name));
  head.append(el("th", null, "weight"), el("th", null, "contri\u00adbution"), el("th"));
  t.append(head);
  const order = d.contribution.map((_, i) => i)
    .sort((a, b) => Math.abs(d.contribution[b]) - Math.abs(d.contribution[a])).slice(0, N_ROWS);
  for (const i of order) {
    const row = el("tr"), c = d.contribution[i], bar = el("div", c < 0 ? "fill neg" : "fill pos");
    cols.forEach(([, value], k) => row.append(k === 0 ? clipped("td", "name", value(i))
                                                     : el("td", "num", value(i))));
    bar.style.width = `${50 * Math.abs(c) / m}%`;
    const track = el("div", "track");
    track.append(bar);
    const cell = el("td", "bar");
    cell.append(track);
    row.append(el("td", "num", signed(d.weights[i])), el("td", "num", signed(c)), cell);
    t.append(row);
  }
  const over = d.layer > 0 ? `layer ${d.layer - 1}'s activations` :
    d.standardised ? "the standardised input" : "the input";
  const note = d.layer === 0 && d.standardised
    ? "The unit multiplies each feature standardised as the model learned it, " +
      "(raw − training mean) / training scale, by its weight: a raw value below the mean is " +
      "a negative standardised value, so the contribution's sign is the weight's and the " +
      "standardised value's together." : null;
  const n = d.contribution.length, more = n > N_ROWS ? ` (the ${N_ROWS} largest of ${n})` : "";
  return [el("h3", null, `What this input contributes: ${over} × weight${more}`),
          ...(note ? [el("p", "note", note)] : []), t];
}
