// The page's state: one object every module shares. main.js also exposes it as
// window.hiddenlens, where the browser tests read stats, x and last.
export const S = {
  info: null,          // /api/model
  net: null,           // {sizes, acts, W: [Float32Array (n_out*n_in)], b, mean, scale}
  x: null,             // Float32Array (n_inputs): the raw input
  last: null,          // {z: [...], a: [...]} for x, one Float64Array per layer
  selected: null,      // {layer, unit} of the open unit card
  interventions: [],   // (layer, a) => void, each may change a layer's activations in place
  stats: { updates: 0, lastMs: 0, maxMs: 0, totalMs: 0, forwardMs: 0 },
};

export const nLayers = () => S.net.W.length;        // weight matrices; the output is the last
export const nOutputs = () => S.net.sizes[S.net.sizes.length - 1];
