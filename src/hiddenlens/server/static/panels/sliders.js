// The input panel of a tabular model: one slider per feature, each move an update.
import { $, clipped, el } from "../dom.js";
import { on } from "../events.js";
import { S } from "../state.js";
import { setInput } from "../update.js";

export function mount() {
  if (S.info.image_shape) return;
  $("tabular-input").hidden = false;
  if (!S.info.n_examples) $("slider-hint").textContent = "Move a slider: every layer updates. " +
    (S.info.standardised ? "Without a data set, ranges are 3 standard deviations either side " +
     "of the model's mean." : "Without a data set or a standardisation, ranges are -3..3.");
  if (!S.info.features) return;
  S.x = new Float32Array(S.info.features.map((f) => f.value));
  S.info.features.forEach((f, i) => $("sliders").append(slider(f, i)));
  on("example", ({ x }) => x.forEach((v, i) => show(i, v)));
}

function slider(f, i) {
  const row = el("label", "slider"), input = el("input"), value = el("span", "value");
  input.type = "range"; input.min = f.min; input.max = f.max;
  input.step = (f.max - f.min) / 200 || 1; input.value = f.value; input.id = `feature-${i}`;
  value.textContent = Number(f.value).toPrecision(4);
  input.addEventListener("input", () => {
    const x = Float32Array.from(S.x); x[i] = Number(input.value);
    value.textContent = Number(input.value).toPrecision(4);
    setInput(x, true);
  });
  row.append(clipped("span", "name", f.name), input, value);
  return row;
}

function show(i, v) {  // move slider i to v without an update of its own
  const input = $(`feature-${i}`);
  input.value = v;
  input.nextSibling.textContent = Number(v).toPrecision(4);
}
