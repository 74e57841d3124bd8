// Feature importance of a tabular model (permutation importance on the test split), under the
// sliders; it is computed on the server and does not hold up the page.
import { api } from "../api.js";
import { signedBars } from "../bars.js";
import { $, el } from "../dom.js";
import { S } from "../state.js";

export function mount() {
  if (S.info.image_shape) return;
  show().catch((err) => {
    $("importance").hidden = false;
    $("importance").replaceChildren(el("p", "error", err.message));
  });
}

async function show() {
  const d = await api("/api/importance");
  if (!d.values) return;
  $("importance").hidden = false;
  $("importance").replaceChildren(signedBars(d.values, d.names, `Feature importance: ${d.method}`));
}
