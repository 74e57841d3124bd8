// hiddenlens explorer: fetch the model and its weights once, mount every panel, run the first
// update. A panel is a module under panels/ with mount(); a new one is a file and a line in
// PANELS. Panels talk through events.js; the forward pass runs in the page (forward.js).
import { api } from "./api.js";
import { $ } from "./dom.js";
import { forward, loadNet } from "./forward.js";
import * as ablation from "./panels/ablation.js";
import * as card from "./panels/card.js";
import * as contribution from "./panels/contribution.js";
import * as draw from "./panels/draw.js";
import * as examples from "./panels/examples.js";
import * as importance from "./panels/importance.js";
import * as knockout from "./panels/knockout.js";
import * as layers from "./panels/layers.js";
import * as outputs from "./panels/outputs.js";
import * as patch from "./panels/patch.js";
import * as sliders from "./panels/sliders.js";
import * as topUnits from "./panels/top-units.js";
import { S } from "./state.js";
import { setInput } from "./update.js";

const PANELS = [draw, sliders, examples, layers, outputs, card, contribution, topUnits, importance,
                knockout, ablation, patch];  // knockout after layers: it draws over their grids

window.hiddenlens = S;  // the browser tests read stats, x and last; the benchmark times these:
S.forward = (x) => forward(S.net, x, S.interventions);
S.setInput = setInput;

function showModel(info) {
  const score = info.test_score === undefined ? ""
    : `, test ${info.score_name} ${info.test_score.toFixed(4)}`;
  $("model-label").textContent = `${info.label}${info.dataset ? ` on ${info.dataset}` : ""}${score}`;
}

async function main() {
  const [info, w] = await Promise.all([api("/api/model"), api("/api/weights")]);
  S.info = info;
  S.net = loadNet(w);
  S.x = new Float32Array(info.sizes[0]);  // the sliders start it at the features' medians
  showModel(info);
  await Promise.all(PANELS.map((panel) => panel.mount()));
  setInput(S.x, false);
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  $("model-label").textContent = `could not start: ${err.message}`;
  $("model-label").className = "error";
});
