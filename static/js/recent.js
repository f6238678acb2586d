// The person's latest stored drawings, under the canvas, linking to their full history.
import { recentDrawings } from "./api.js";

const SHOWN = 8;
const list = () => document.getElementById("recent");

function item(drawing, src) {
  const li = document.createElement("li");
  li.dataset.id = String(drawing.id);
  const img = document.createElement("img");
  img.src = src;
  img.width = img.height = 56;
  img.alt = `Drawing ${drawing.id}`;
  const caption = document.createElement("span");
  const answer = drawing.label === "not_a_digit" ? "not a digit" : drawing.label;
  const label = drawing.label === null ? "" : drawing.correct ? " ✓" : ` → ${answer}`;
  caption.textContent = `${drawing.uncertain ? "?" : drawing.digit}${label}`;
  li.append(img, caption);
  return li;
}

// Show a stored drawing first; `image`, the drawing this page sent, spares a request for it.
export function showStored(drawing, image = null) {
  const ol = list();
  const shown = ol.querySelector(`[data-id="${drawing.id}"]`);
  const src = image ? URL.createObjectURL(image) : shown?.querySelector("img").src;
  shown?.remove();
  ol.prepend(item(drawing, src || drawing.image_url));
  while (ol.children.length > SHOWN) ol.lastElementChild.remove();
  document.getElementById("recent-section").hidden = false;
}

export async function loadRecent() {
  try {
    const page = await recentDrawings();
    page.results
      .slice(0, SHOWN)
      .reverse()
      .forEach((drawing) => showStored(drawing));
  } catch {
    // The list is a convenience: the page works without it.
  }
}
