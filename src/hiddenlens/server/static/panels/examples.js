// The test-example picker (under the canvas, or above the sliders): a pick is shown in the
// input panel ("example") and becomes the input.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { emit } from "../events.js";
import { S } from "../state.js";
import { setInput } from "../update.js";

export async function mount() {
  const select = $(S.info.image_shape ? "examples" : "tab-examples");
  const d = await api("/api/examples");
  select.replaceChildren(el("option", null, d.examples.length ? "choose…" : "(no data set)"));
  for (const e of d.examples) {
    const o = el("option", null, `#${e.index}: ${e.label}`);
    o.value = e.index;
    select.append(o);
  }
  select.addEventListener("change", () => pick(select.value));
}

async function pick(value) {
  if (value === "" || isNaN(Number(value))) return;
  const ex = await api(`/api/examples/${Number(value)}`);
  const x = Float32Array.from(ex.x);
  emit("example", { x });
  setInput(x, true);
}
