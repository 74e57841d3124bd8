// The unit card's sections, in order: each takes /api/units/<layer>/<unit> and returns an
// element (class "wide" for a full row) or null when the card has nothing of the kind.
import { valueBars, signedBars } from "../bars.js";
import { paintDiverging, paintGray } from "../colors.js";
import { el, figure } from "../dom.js";
import { S } from "../state.js";
import { section as contribution } from "./contribution.js";

function description(data) {
  return data.description ? el("p", "description wide", data.description) : null;
}

function field({ field: f }) {  // a picture over the input, else signed bars
  if (!f.image_shape) {
    const over = f.over !== "input" ? `from ${f.over}`
      : S.info.standardised ? "on the standardised input" : "on the input";
    return signedBars(f.values, f.names || f.values.map((_, i) => `unit ${i}`),
                      `Incoming weights ${over}`);
  }
  const c = el("canvas"), m = paintDiverging(c, f.values, f.image_shape[0], f.image_shape[1]);
  return figure(`Receptive field over the ${f.over}: red excites, blue inhibits ` +
                `(|w| up to ${m.toPrecision(3)})`, c);
}

function maximizingInput(data) {
  if (!data.maximizing_input || !S.info.image_shape) return null;
  const c = el("canvas");
  paintGray(c, data.maximizing_input, ...S.info.image_shape);
  return figure("The input that excites it most (activation maximisation)", c);
}

function strip(title, items) {  // test examples, each with its label and activation
  if (!items) return null;
  const box = el("div", "wide"), row = el("div", "examples");
  box.append(el("h3", null, title));
  for (const it of items) {
    const f = el("figure");
    if (it.x) { const c = el("canvas"); paintGray(c, it.x, ...S.info.image_shape); f.append(c); }
    f.append(el("figcaption", null, `${it.label} (${it.activation.toFixed(2)})`));
    row.append(f);
  }
  box.append(row);
  return box;
}

function classMeans(data) {
  if (!data.class_means) return null;
  const box = el("div", "wide");
  box.append(el("h3", null, "Mean activation per class (test split)"));
  valueBars(box, data.class_means, S.info.class_names);
  return box;
}

export const SECTIONS = [
  description, field, maximizingInput, contribution,
  (data) => strip("Test examples that excite it most", data.top),
  (data) => strip("… and least", data.bottom),
  classMeans,
];
