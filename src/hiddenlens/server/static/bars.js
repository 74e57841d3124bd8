// Horizontal bar charts built from divs: output bars, signed weights, per-class means.
import { el } from "./dom.js";

export function barRow(name, value, width, fillClass) {  // width in % of the track
  const row = el("div", "bar-row"), track = el("div", "track");
  const fill = el("div", fillClass || "fill");
  fill.style.width = `${width}%`;
  track.append(fill);
  row.append(el("span", "name", name), track, el("span", "value", value));
  return row;
}

export function signedBars(values, names, title) {  // the 20 largest |values|, red up, blue down
  const box = el("div", "bars");
  box.append(el("h3", null, title));
  const m = Math.max(1e-12, ...values.map(Math.abs));
  const order = values.map((v, i) => i)
    .sort((a, b) => Math.abs(values[b]) - Math.abs(values[a])).slice(0, 20);
  for (const i of order) {
    box.append(barRow(names[i], values[i].toFixed(3), 50 * Math.abs(values[i]) / m,
                      values[i] < 0 ? "fill neg" : "fill pos"));
  }
  return box;
}

export function valueBars(box, values, names) {  // one bar per value, null shown as a dash
  const m = Math.max(1e-12, ...values.map((v) => Math.abs(v || 0)));
  values.forEach((v, i) => {
    box.append(barRow(names[i], v === null ? "–" : v.toFixed(3), 100 * Math.max(0, v || 0) / m));
  });
}
