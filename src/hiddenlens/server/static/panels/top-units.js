// An output's card: the last hidden layer's units with the largest and most negative weights
// into it, each a thumbnail of its receptive field that opens the unit's card.
import { api } from "../api.js";
import { paintDiverging } from "../colors.js";
import { el } from "../dom.js";
import { emit, on } from "../events.js";
import { nLayers, nOutputs, S } from "../state.js";
import { failCard, fillCard, isLatest, openCard } from "./card.js";

export function mount() {
  on("open-output", ({ output }) => open(output));
}

async function open(k) {
  S.selected = null;
  emit("select");
  const names = S.info.class_names;
  const name = !names ? `${k}` : nOutputs() === 1 ? `p(${names[1]})` : names[k];
  const ticket = openCard(`Output ${name}`);
  let d;
  try { d = await api(`/api/outputs/${k}/top-units`); }
  catch (err) { failCard(ticket, err); return; }
  if (!isLatest(ticket)) return;
  if (d.layer === null) { emit("open-unit", { layer: nLayers() - 1, unit: k }); return; }  // its template
  fillCard(ticket, `output/${k}`,
           el("h3", null, "Units that push it up most (largest weights)"), units(d.layer, d.positive),
           el("h3", null, "Units that push it down most (most negative weights)"), units(d.layer, d.negative));
}

function units(layer, list) {
  const row = el("div", "units-list");
  for (const u of list) {
    const f = el("figure"), c = el("canvas");
    f.append(c, el("figcaption", null, `unit ${u.unit}, w=${u.weight.toFixed(2)}`));
    f.addEventListener("click", () => emit("open-unit", { layer, unit: u.unit }));
    row.append(f);
    thumbnail(c, layer, u.unit);
  }
  return row;
}

async function thumbnail(c, layer, unit) {  // the unit's field as a picture (image models only)
  try {
    const f = await api(`/api/units/${layer}/${unit}/field`);
    if (f.image_shape) { paintDiverging(c, f.values, f.image_shape[0], f.image_shape[1]); return; }
  } catch { /* no picture: the caption stays */ }
  c.remove();
}
