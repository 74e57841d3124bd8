// Panels never call each other: they emit and listen. The events:
//   "input"       {final}          S.x and S.last are new: redraw (inside the timed update)
//   "settled"     {}               after an input that ends a gesture: ask the server
//   "example"     {x}              a test example was picked: show it in the input panel
//   "open-unit"   {layer, unit}    show a unit's card
//   "open-output" {output}         show an output's card (its top units)
//   "select"      {}               S.selected changed
const listeners = new Map();

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}

export function emit(name, detail = {}) {
  for (const fn of listeners.get(name) || []) fn(detail);
}
