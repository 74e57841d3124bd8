// Horizontal bar charts built from divs: output bars, signed weights, per-class means.
import { clipped, el } from "./dom.js";

export function barRow(name, value, width, fillClass) {  // width in % of the track
  const row = el("div", "bar-row"), track = el("div", "track");
  const fill = el("div", fillClass || "fill");
  fill.style.width = `${width}%`;
  track.append(fill);
  row.append(clipped("span", "name", name), track, el("span", "value", value));
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

// One bar per value, null shown as a dash. With a negative value among them the bars grow
// from a centre line, left for negative (a tanh unit's mean is often below 0).
export function valueBars(box, values, names) {
  const m = Math.max(1e-12, ...values.map((v) => Math.abs(v || 0)));
  const centred = values.some((v) => v !== null && v < 0);
  values.forEach((v, i) => {
    const x = v || 0, text = v === null ? "–" : v.toFixed(3);
    const row = centred
      ? barRow(names[i], text, 50 * Math.abs(x) / m, x < 0 ? "fill down" : "fill up")
      : barRow(names[i], text, 100 * Math.max(0, x) / m);
    if (centred) row.classList.add("centred");
    box.append(row);
  });
}
