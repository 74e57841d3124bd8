// An output's card: the last hidden layer's units that push it up and down most, ranked by
// this input's contributions (weight × activation, asked again whenever an input settles) and,
// beside that, by weight alone. Each unit is a labelled thumbnail of its receptive field (image
// models) that opens the unit's card.
import { api } from "../api.js";
import { paintDiverging } from "../colors.js";
import { el, fixed, signed } from "../dom.js";
import { emit, on } from "../events.js";
import { nLayers, nOutputs, S } from "../state.js";
import { failCard, fillCard, isLatest, openCard } from "./card.js";

let current = null;        // {k, ticket} of the open output card
const fields = new Map();  // "layer/unit" -> a promise of /api/units/<layer>/<unit>/field

export function mount() {
  on("open-output", ({ output }) => open(output));
  on("settled", () => { if (current && isLatest(current.ticket)) show(current); });
}

function outputName(k) {
  const names = S.info.class_names;
  return !names ? `${k}` : nOutputs() === 1 ? `p(${names[1]})` : names[k];
}

function open(k) {
  S.selected = null;
  emit("select");
  current = { k, ticket: openCard(`Output ${outputName(k)}`) };
  return show(current);
}

async function show(card) {
  let d;
  try { d = await api(`/api/outputs/${card.k}/top-units`, { x: Array.from(S.x) }); }
  catch (err) { failCard(card.ticket, err); return; }
  if (!isLatest(card.ticket) || current !== card) return;
  if (d.layer === null) {  // no hidden layer: the output's own template
    emit("open-unit", { layer: nLayers() - 1, unit: card.k });
    return;
  }
  const through = d.layer > 0 ? ", its weights carried back through the layers below " +
    "(linear composite)" : "";
  const picture = S.info.image_shape ? ` Each picture is the unit's receptive field over the ` +
    `input${through}: red pixels excite it, blue inhibit it.` : "";
  fillCard(card.ticket, `output/${card.k}`,
           el("p", "hint", `Units of layer ${d.layer}, the last hidden layer (${d.layer_size} ` +
                           `${d.activation} units); click one for its card.${picture}`),
           rankings(d));
}

function rankings(d) {
  const product = (u) => `${signed(u.weight, 2)} × ${fixed(u.activation, 2)} = ` +
                         `${signed(u.contribution, 2)}`;
  const box = el("div", "rankings");
  box.append(
    ranking("by-contribution", "By this input's contribution (weight × activation)",
            d.by_contribution, d.layer, product),
    ranking("by-weight", "By weight alone", d, d.layer, (u) => `weight ${signed(u.weight, 2)}`),
  );
  return box;
}

function ranking(cls, title, lists, layer, numbers) {
  const box = el("div", `ranking ${cls}`);
  box.append(el("h3", null, title),
             el("h4", null, "push it up"), units(layer, lists.positive, numbers),
             el("h4", null, "push it down"), units(layer, lists.negative, numbers));
  return box;
}

function units(layer, list, numbers) {
  const row = el("div", "units-list");
  if (!list.length) row.append(el("p", "caption", "none"));
  for (const u of list) {
    const f = el("figure"), c = el("canvas"), cap = el("figcaption");
    cap.append(el("strong", null, `unit ${u.unit}`), el("span", null, numbers(u)));
    f.title = `layer ${layer}, unit ${u.unit}: weight ${u.weight}, activation on this input ` +
              `${u.activation}, contribution ${u.contribution}`;
    f.append(c, cap);
    f.addEventListener("click", () => emit("open-unit", { layer, unit: u.unit }));
    row.append(f);
    thumbnail(c, layer, u.unit);
  }
  return row;
}

async function thumbnail(c, layer, unit) {  // the unit's field as a picture (image models only)
  const key = `${layer}/${unit}`;
  if (!S.info.image_shape) { c.remove(); return; }
  if (!fields.has(key)) fields.set(key, api(`/api/units/${key}/field`));
  try {
    const f = await fields.get(key);
    if (f.image_shape) {
      paintDiverging(c, f.values, f.image_shape[0], f.image_shape[1]);
      c.title = `receptive field of layer ${layer}, unit ${unit} over the ${f.over}`;
      return;
    }
  } catch { fields.delete(key); /* no picture: the caption stays */ }
  c.remove();
}
