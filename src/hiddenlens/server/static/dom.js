// DOM helpers: text goes in through textContent only, never innerHTML.
export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function clipped(tag, cls, text) {  // text CSS may cut with an ellipsis: whole in a tooltip
  const e = el(tag, cls, text);
  e.title = text;
  return e;
}

export function figure(caption, canvas) {  // a picture over its caption
  const f = el("div", "figure");
  f.append(canvas, el("span", "caption", caption));
  return f;
}

export const signed = (v, digits = 3) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
export const fixed = (v, digits = 3) => v.toFixed(digits).replace("-", "−");  // a true minus
