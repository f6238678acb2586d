// The canvas page. While the person draws, the model reads the drawing and stores nothing.
// A drawing is stored once, with the reading the person last saw, when they are done with it:
// they answer "was it right?", move on (Clear, Esc, a new upload), or leave the page.
import { ApiError, giveFeedback, read, store } from "./api.js";
import { DrawingPad } from "./drawing-pad.js";
import { loadRecent, showStored } from "./recent.js";
import { clearReading, describe, setStale, showReading } from "./result.js";

const READ_DURING_STROKE_MS = 400;
const ANSWER_CHANGES = 1; // the person may change their answer once
const EMPTY_MESSAGE = "The canvas is empty: draw a digit first.";
const NOT_AN_IMAGE = "That file is not an image this site can read: use PNG, JPEG, WebP, GIF or BMP.";
const FAILED = "Something went wrong. Please try again.";
const NOT_A_DIGIT = "not_a_digit"; // the API's label for a drawing that is no digit
const $ = (id) => document.getElementById(id);

const pad = new DrawingPad($("digit-canvas"), { width: Number($("pen-width").value) });
const answerButtons = () => document.querySelectorAll("#feedback button");
let drawing = newDrawing();
let inFlight = null; // the reading under way: { controller, seq }
let readSeq = 0;
let shownSeq = 0;
let lastReadAt = 0;

function newDrawing(source = "canvas", file = null) {
  // The idempotency key: a retried store of this drawing can never add a second row.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return { key, source, file, blob: null, reading: null, storing: null, answers: 0 };
}

function say(message, kind = "") {
  $("status").textContent = message;
  $("status").dataset.kind = kind;
}

function feedbackSay(message) {
  $("feedback-status").textContent = message;
}

function enableAnswers(enabled) {
  answerButtons().forEach((button) => {
    button.disabled = !enabled;
    if (enabled) button.setAttribute("aria-pressed", "false");
  });
}

function resetResult(message) {
  if (inFlight) inFlight.controller.abort();
  inFlight = null;
  clearReading(message);
  enableAnswers(false);
  feedbackSay("");
}

async function readNow({ announce = true } = {}) {
  if (pad.isEmpty) {
    resetResult();
    say(EMPTY_MESSAGE, "error");
    return;
  }
  if (inFlight) inFlight.controller.abort();
  const current = { controller: new AbortController(), seq: ++readSeq };
  inFlight = current;
  const d = drawing;
  lastReadAt = performance.now();
  setStale(Boolean(d.reading));
  try {
    const blob = d.file || (await pad.toPNG());
    const reading = await read(blob, { signal: current.controller.signal });
    if (current.controller.signal.aborted) return; // superseded, maybe while reading the body
    // A reading that comes back after the drawing was stored is not what the person answered.
    if (d !== drawing || current.seq < shownSeq || d.storing) return;
    shownSeq = current.seq;
    Object.assign(d, { blob, reading });
    showReading(reading);
    enableAnswers(d.answers <= ANSWER_CHANGES);
    say("");
    if (announce) $("announcer").textContent = describe(reading);
  } catch (error) {
    if (error.name === "AbortError" || d !== drawing) return;
    d.reading = null;
    resetResult("No reading");
    say(error instanceof ApiError ? error.message : FAILED, "error");
  } finally {
    if (inFlight === current) inFlight = null;
  }
}

// The drawing is done: store it once (nothing if it was never read). Returns the stored drawing.
function finish({ keepalive = false } = {}) {
  const d = drawing;
  if (!d.reading || d.storing) return d.storing;
  // What is stored is what the person saw: a reading still under way is dropped.
  if (inFlight) inFlight.controller.abort();
  inFlight = null;
  setStale(false);
  d.storing = store(d.blob, { source: d.source, key: d.key, keepalive }).then(
    (stored) => {
      showStored(stored);
      return stored;
    },
    (error) => {
      d.storing = null; // a later try sends the same key: still one row
      throw error;
    },
  );
  pad.sealed = true;
  return d.storing;
}

function startNewDrawing(source = "canvas", file = null) {
  finish()?.catch((error) => say(`The last drawing was not saved: ${error.message}`, "error"));
  pad.sealed = false; // the pad now holds the new drawing
  drawing = newDrawing(source, file);
  resetResult();
}

function clearPad() {
  const hadDrawing = !pad.isEmpty;
  startNewDrawing();
  pad.clear();
  if (hadDrawing) say("Cleared.");
}

function undo() {
  if (pad.sealed || drawing.file || pad.isEmpty) return;
  pad.undo();
  if (pad.isEmpty) {
    drawing.reading = null;
    resetResult();
  } else {
    readNow();
  }
}

async function useFile(file) {
  if (!file) return;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    say(NOT_AN_IMAGE, "error");
    return;
  }
  if (await sameFile(drawing.file, file)) return; // already read, and stored at most once
  startNewDrawing("upload", file);
  pad.showImage(bitmap);
  await readNow();
}

async function sameFile(a, b) {
  if (!a || a.size !== b.size) return false;
  const [x, y] = await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
  const [u, v] = [new Uint8Array(x), new Uint8Array(y)];
  return u.every((byte, i) => byte === v[i]);
}

const labelName = (label) => (label === NOT_A_DIGIT ? "not a digit" : String(label));

async function answer(label, button) {
  const d = drawing;
  if (!d.reading || d.answers > ANSWER_CHANGES) return;
  feedbackSay("Saving…");
  try {
    const stored = await finish();
    const labelled = await giveFeedback(stored.url, label);
    d.answers += 1;
    showStored(labelled);
    answerButtons().forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
    if (d.answers > ANSWER_CHANGES) {
      answerButtons().forEach((b) => (b.disabled = b !== button));
      feedbackSay(`Saved as ${labelName(label)}. Only a reviewer can change it now.`);
    } else {
      feedbackSay(`Thank you: saved as ${labelName(label)}. Pick again to change it.`);
    }
  } catch (error) {
    feedbackSay(error instanceof ApiError ? error.message : FAILED);
  }
}

pad.addEventListener("newdrawing", () => startNewDrawing());
pad.addEventListener("strokeend", () => readNow());
pad.addEventListener("strokemove", () => {
  if (!inFlight && performance.now() - lastReadAt > READ_DURING_STROKE_MS) readNow({ announce: false });
});
$("predict").addEventListener("click", () => readNow());
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", clearPad);
$("pen-width").addEventListener("input", (event) => {
  pad.penWidth = Number(event.target.value);
  $("pen-width-value").textContent = event.target.value;
});
$("upload").addEventListener("change", (event) => useFile(event.target.files[0]));
$("feedback-correct").addEventListener("click", (event) => {
  if (drawing.reading) answer(drawing.reading.digit, event.currentTarget);
});
document.querySelectorAll("#feedback [data-label]").forEach((button) => {
  const label = button.dataset.label === NOT_A_DIGIT ? NOT_A_DIGIT : Number(button.dataset.label);
  button.addEventListener("click", () => answer(label, button));
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") clearPad();
  else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
  }
});
// Leaving the page is being done with the drawing; keepalive lets the request outlive it.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") finish({ keepalive: true })?.catch(() => {});
});
window.addEventListener("pagehide", () => finish({ keepalive: true })?.catch(() => {}));

const drop = $("drop-zone");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("is-dragging");
});
drop.addEventListener("dragleave", () => drop.classList.remove("is-dragging"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("is-dragging");
  useFile(event.dataTransfer.files[0]);
});
enableAnswers(false);
loadRecent();
document.body.dataset.ready = "true";
