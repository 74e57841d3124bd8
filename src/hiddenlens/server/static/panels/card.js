// The card panel: a unit's card, built from a list of sections, and the frame every card
// (this one, an output's top units) is shown in: a title, "loading…", then the body, unless
// another card was asked for meanwhile. A new section is a function and one addSection line.
import { api } from "../api.js";
import { $, el } from "../dom.js";
import { emit, on } from "../events.js";
import { nLayers, S } from "../state.js";
import { SECTIONS } from "./unit-sections.js";

const sections = [...SECTIONS];  // each (card data) -> an element or null
let latest = 0;                  // the ticket of the card asked for last

export function mount() {
  on("open-unit", open);
}

export function addSection(section) {
  sections.push(section);
}

export function openCard(title) {  // -> a ticket for fillCard
  $("card-title").textContent = title;
  $("card").replaceChildren(el("p", "hint", "loading…"));
  delete $("card").dataset.unit;
  return ++latest;
}

export const isLatest = (ticket) => ticket === latest;

export function fillCard(ticket, key, ...children) {  // key: data-unit, which the tests read
  if (!isLatest(ticket)) return;
  $("card").replaceChildren(...children);
  $("card").dataset.unit = key;
}

export function failCard(ticket, err) {
  if (isLatest(ticket)) $("card").replaceChildren(el("p", "error", err.message));
}

function title(layer, unit) {
  const names = S.info.class_names;
  if (layer === nLayers() - 1 && names) return `Output ${names[unit]} (layer ${layer}, unit ${unit})`;
  return `Layer ${layer}, unit ${unit}`;
}

async function open({ layer, unit }) {
  S.selected = { layer, unit };
  emit("select");
  const ticket = openCard(title(layer, unit));
  let data;
  try { data = await api(`/api/units/${layer}/${unit}`); }
  catch (err) { failCard(ticket, err); return; }
  if (!isLatest(ticket)) return;
  const body = el("div", "card-body");
  for (const section of sections) {
    const part = section(data);
    if (part) body.append(part);
  }
  fillCard(ticket, `${layer}/${unit}`, body);
}
