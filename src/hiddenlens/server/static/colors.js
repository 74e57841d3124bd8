// Colour scales and the canvas painter: one canvas pixel per value, scaled up by CSS.

// viridis, sampled at 9 stops, for activations
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
                 [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];

export function viridis(t) {  // t in [0, 1]
  t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}

export function diverging(t) {  // t in [-1, 1]: blue, white, red
  t = Math.min(1, Math.max(-1, t));
  const a = Math.abs(t), lo = Math.round(255 * (1 - a));
  return t >= 0 ? [255, lo + Math.round(a * 40), lo + Math.round(a * 30)]
                : [lo + Math.round(a * 40), lo + Math.round(a * 90), 255];
}

export function paint(canvas, values, rows, cols, color) {  // values row-major
  canvas.width = cols; canvas.height = rows;
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const c = i < values.length ? color(values[i]) : [255, 255, 255];
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

export function paintDiverging(canvas, values, rows, cols) {  // -> the |value| shown as full red
  let m = 1e-12;
  for (const v of values) m = Math.max(m, Math.abs(v));
  paint(canvas, values, rows, cols, (v) => diverging(v / m));
  return m;
}

export function paintGray(canvas, values, rows, cols) {  // ink dark on white, values in [0, 1]
  paint(canvas, values, rows, cols, (v) => { const g = Math.round(255 * (1 - v)); return [g, g, g]; });
}
