// The MNIST recipe: crop to the ink, scale (area-averaged, so anti-aliased) to fit 20x20 with
// the aspect ratio kept, then place in 28x28 with the centre of mass at the centre. Another
// image shape (h, w) keeps the same proportions: a box of 20/28 of its side.
export function fitBox(h, w) { return Math.max(1, Math.round(Math.min(h, w) * 20 / 28)); }

function inkBox(src, W, H) {  // [x0, y0, x1, y1] of the pixels brighter than 12, x1 < 0: none
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (src[4 * (y * W + x)] > 12) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  return [x0, y0, x1, y1];
}

export function preprocess(canvas, [h, w]) {  // the canvas's white ink -> Float32Array (h*w)
  const W = canvas.width, H = canvas.height;
  const src = canvas.getContext("2d").getImageData(0, 0, W, H).data;
  const [x0, y0, x1, y1] = inkBox(src, W, H), out = new Float32Array(h * w);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, s = fitBox(h, w) / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * s)), th = Math.max(1, Math.round(bh * s));
  const sum = new Float64Array(tw * th), cnt = new Float64Array(tw * th);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const k = Math.min(th - 1, Math.floor((y - y0) * s)) * tw + Math.min(tw - 1, Math.floor((x - x0) * s));
    sum[k] += src[4 * (y * W + x)] / 255; cnt[k] += 1;
  }
  let m = 0, cx = 0, cy = 0;
  for (let k = 0; k < tw * th; k++) {
    const v = cnt[k] ? sum[k] / cnt[k] : 0;
    sum[k] = v; m += v; cx += v * (k % tw); cy += v * Math.floor(k / tw);
  }
  const dx = Math.round((w - 1) / 2 - cx / m), dy = Math.round((h - 1) / 2 - cy / m);
  for (let k = 0; k < tw * th; k++) {
    const x = (k % tw) + dx, y = Math.floor(k / tw) + dy;
    if (x >= 0 && x < w && y >= 0 && y < h) out[y * w + x] = Math.min(1, sum[k]);
  }
  return out;
}
