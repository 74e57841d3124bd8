// One update: a new input, the forward pass, every panel redrawn ("input"), timed from the
// gesture (t0) with performance.now() into S.stats and #timing; then "settled" if final.
import { $ } from "./dom.js";
import { emit } from "./events.js";
import { forward } from "./forward.js";
import { S } from "./state.js";

export function setInput(x, final = false, t0 = performance.now()) {
  S.x = x;
  const tf = performance.now();
  S.last = forward(S.net, x, S.interventions);
  S.stats.forwardMs = performance.now() - tf;
  emit("input", { final });
  record(performance.now() - t0);
  if (final) emit("settled");
}

function record(ms) {
  const st = S.stats;
  st.updates += 1; st.lastMs = ms; st.totalMs += ms; st.maxMs = Math.max(st.maxMs, ms);
  $("timing").textContent = `update ${ms.toFixed(2)} ms (forward pass ` +
    `${st.forwardMs.toFixed(2)} ms), mean ${(st.totalMs / st.updates).toFixed(2)} ms over ${st.updates}`;
}
