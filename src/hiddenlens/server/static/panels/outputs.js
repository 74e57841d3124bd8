// The output layer: one bar per class (two for a single sigmoid unit) or the regression
// values, and the prediction; a click on a row opens that output's card ("open-output").
import { barRow } from "../bars.js";
import { $ } from "../dom.js";
import { emit, on } from "../events.js";
import { nOutputs, S } from "../state.js";

export function mount() {
  const names = S.info.class_names || Array.from({ length: nOutputs() }, (_, i) => `output ${i}`);
  names.forEach((name, i) => {
    const row = barRow(name, "", 0);
    row.dataset.index = i;
    if (S.info.task === "regression") row.classList.add("plain");  // values, no bars
    // one sigmoid unit shows two bars (1 - p, p); both belong to output unit 0
    row.addEventListener("click", () => emit("open-output", { output: Math.min(i, nOutputs() - 1) }));
    $("outputs").append(row);
  });
  on("input", S.info.task === "regression" ? showValues : showClasses);
}

function values() {  // what the rows show: probabilities (two for one sigmoid unit) or values
  const out = S.last.a[S.last.a.length - 1];
  if (S.info.task === "classification" && out.length === 1) return [1 - out[0], out[0]];
  return Array.from(out);
}

function showValues() {
  const v = values();
  $("prediction").textContent = `Prediction: ${v.map((y) => y.toPrecision(4)).join(", ")}`;
  Array.from($("outputs").children).forEach((row, i) => {
    row.children[2].textContent = v[i].toPrecision(4);
  });
}

function showClasses() {
  const v = values(), names = S.info.class_names;
  let k = 0;
  v.forEach((p, i) => { if (p > v[k]) k = i; });
  const linear = S.net.acts[S.net.acts.length - 1] === "linear";
  const scale = linear ? Math.max(1e-9, ...v.map(Math.abs)) : 1;
  Array.from($("outputs").children).forEach((row, i) => {
    row.classList.toggle("top", i === k);
    row.children[1].firstChild.style.width = `${Math.max(0, 100 * v[i] / scale)}%`;
    row.children[2].textContent = v[i].toFixed(3);
  });
  const blank = S.info.image_shape && !S.x.some((p) => p > 0);  // nothing drawn yet
  $("prediction").textContent = blank ? "Prediction: (draw a digit)" : `Prediction: ${names[k]}`;
  $("prediction").dataset.predicted = blank ? "" : names[k];
}
