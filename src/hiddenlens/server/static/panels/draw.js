// The input panel of an image model: draw with a mouse or a finger, at most one update per
// animation frame, timed from the stroke; a picked example is painted onto the canvas.
import { paintGray } from "../colors.js";
import { $ } from "../dom.js";
import { on } from "../events.js";
import { fitBox, preprocess } from "../preprocess.js";
import { S } from "../state.js";
import { setInput } from "../update.js";

const SIZE = 280;  // the drawing canvas, in canvas pixels
const DRAW = { down: false, last: null, pending: false, final: false };

export function mount() {
  if (!S.info.image_shape) return;
  const [h, w] = S.info.image_shape, b = fitBox(h, w);
  $("draw-hint").textContent = "Draw a digit with the mouse or a finger. It is cropped, " +
    `scaled to ${b}x${b} and centred by its centre of mass in ${h}x${w}, as MNIST digits were.`;
  $("sees").textContent = `What the network sees (${h}x${w}):`;
  $("image-input").hidden = false;
  listen($("draw"));
  $("clear").addEventListener("click", () => { clear(); setInput(new Float32Array(S.net.sizes[0]), true); });
  on("input", () => paintGray($("preview"), S.x, h, w));
  on("example", ({ x }) => show(x));
}

function listen(c) {
  const ctx = c.getContext("2d");
  clear();
  const pos = (e) => {
    const r = c.getBoundingClientRect();
    return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height];
  };
  c.addEventListener("pointerdown", (e) => {
    c.setPointerCapture(e.pointerId);
    DRAW.down = true; DRAW.last = pos(e);
    stroke(ctx, DRAW.last, DRAW.last);
  });
  c.addEventListener("pointermove", (e) => {
    if (!DRAW.down) return;
    const p = pos(e);
    stroke(ctx, DRAW.last, p);
    DRAW.last = p;
  });
  const end = () => { if (DRAW.down) { DRAW.down = false; schedule(true); } };
  c.addEventListener("pointerup", end);
  c.addEventListener("pointercancel", end);
}

function clear() {
  const ctx = $("draw").getContext("2d");
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, SIZE, SIZE);
}

function stroke(ctx, p, q) {
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 20; ctx.lineCap = "round"; ctx.lineJoin = "round";
  ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
  ctx.fillStyle = "#fff";  // a dot too: a tap is a zero-length line, which draws nothing
  ctx.beginPath(); ctx.arc(q[0], q[1], 10, 0, 2 * Math.PI); ctx.fill();
  schedule(false);
}

function schedule(final) {  // at most one update per animation frame
  if (final) DRAW.final = true;
  if (DRAW.pending) return;
  DRAW.pending = true;
  requestAnimationFrame(() => {
    DRAW.pending = false;
    const t0 = performance.now();
    setInput(preprocess($("draw"), S.info.image_shape), DRAW.final, t0);
    DRAW.final = false;
  });
}

function show(x) {  // an example, scaled up onto the drawing canvas
  const ctx = $("draw").getContext("2d"), img = ctx.createImageData(SIZE, SIZE);
  const [h, w] = S.info.image_shape;
  for (let y = 0; y < SIZE; y++) for (let xx = 0; xx < SIZE; xx++) {
    const g = Math.round(255 * x[Math.floor(y * h / SIZE) * w + Math.floor(xx * w / SIZE)]);
    img.data.set([g, g, g, 255], 4 * (y * SIZE + xx));
  }
  ctx.putImageData(img, 0, 0);
}
