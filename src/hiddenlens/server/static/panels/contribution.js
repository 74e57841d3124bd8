// The unit card's live section: what this input contributes to the open unit (input x weight),
// fetched again whenever an input settles (a stroke ends, a slider moves).
import { api } from "../api.js";
import { signedBars } from "../bars.js";
import { paintDiverging } from "../colors.js";
import { el } from "../dom.js";
import { on } from "../events.js";
import { S } from "../state.js";

let box = null;  // the open card's #contribution

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
  target.replaceChildren(d.image_shape ? picture(d) : bars(d, sel), sum);
}

function picture(d) {
  const c = el("canvas"), f = el("div", "figure");
  paintDiverging(c, d.contribution, d.image_shape[0], d.image_shape[1]);
  f.append(c, el("span", "caption", "This input × weights: red pixels push the unit up, blue down"));
  return f;
}

function bars(d, sel) {
  const names = sel.layer === 0 ? S.info.feature_names : d.contribution.map((_, i) => `unit ${i}`);
  return signedBars(d.contribution, names, `What this input contributes (${d.over} × weight)`);
}
