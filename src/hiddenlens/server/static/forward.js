// The forward pass in the page, from the weights fetched once: a stroke updates every layer
// without a server round trip. Its numbers equal DenseNet.trace (the browser tests check).

function decode(b64) {  // base64 little-endian float32 -> Float32Array
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

export function loadNet(w) {  // /api/weights -> the net the forward pass runs
  return { sizes: w.sizes, acts: w.activations, W: w.weights.map(decode),
           b: w.biases.map(decode), mean: decode(w.mean), scale: decode(w.scale) };
}

function activate(name, z) {
  const n = z.length, a = new Float64Array(n);
  if (name === "sigmoid") for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
  else if (name === "tanh") for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
  else if (name === "relu") for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
  else if (name === "softmax") {
    let m = -Infinity, s = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, z[i]);
    for (let i = 0; i < n; i++) { a[i] = Math.exp(z[i] - m); s += a[i]; }
    for (let i = 0; i < n; i++) a[i] /= s;
  } else a.set(z);
  return a;
}

function affine(W, b, a, nOut) {  // z = W a + b, W row-major (n_out, n_in)
  const nIn = a.length, z = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) {
    let s = b[j];
    const row = j * nIn;
    for (let i = 0; i < nIn; i++) s += W[row + i] * a[i];
    z[j] = s;
  }
  return z;
}

// x: raw input (n_inputs) -> {z, a}, one array per layer. Each intervention (layer, a) may
// change a layer's activations in place before the next layer reads them (a knock-out).
export function forward(net, x, interventions = []) {
  const zs = [], as = [];
  let a = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = (x[i] - net.mean[i]) / net.scale[i];
  for (let l = 0; l < net.W.length; l++) {
    const z = affine(net.W[l], net.b[l], a, net.sizes[l + 1]);
    a = activate(net.acts[l], z);
    for (const edit of interventions) edit(l, a);
    zs.push(z); as.push(a);
  }
  return { z: zs, a: as };
}
