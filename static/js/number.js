// The number page: a wide pad whose whole number is read after every stroke (on the server,
// which finds the digits; nothing is stored while drawing). A number is stored once, with
// one drawing per digit, when the person answers, clears it or leaves the page.
import { ApiError, correctNumber, newKey, readNumber, storeNumber } from "./api.js";
import { DrawingPad } from "./drawing-pad.js";

const ASPECT = 3; // the pad is three times as wide as it is high
const READ_DURING_STROKE_MS = 800;
const FAILED = "Something went wrong. Please try again.";
const NOT_DIGITS = "Give one digit, 0 to 9, under each box.";
const $ = (id) => document.getElementById(id);

const pad = new DrawingPad($("number-canvas"), { width: Number($("pen-width").value), aspect: ASPECT });
let number = fresh();
let inFlight = null;
let lastReadAt = 0;

function fresh() {
  return { key: newKey(), reading: null, readVersion: -1, sent: null, storing: null, answering: false };
}

function say(message, kind = "") {
  $("status").textContent = message;
  $("status").dataset.kind = kind;
}

function feedbackSay(message) {
  $("number-feedback-status").textContent = message;
}

function reset(message = "Write a number") {
  if (inFlight) inFlight.abort();
  inFlight = null;
  $("number-value").textContent = "";
  $("number-confidence").textContent = message;
  $("boxes").replaceChildren();
  $("digits").replaceChildren();
  $("number-right").disabled = $("number-save").disabled = true;
  feedbackSay("");
}

async function readNow() {
  if (pad.isEmpty) return reset();
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  const [n, version] = [number, pad.version];
  inFlight = controller;
  lastReadAt = performance.now();
  try {
    const reading = await readNumber(pad.toPNG(), pad.strokesIn(), { signal: controller.signal });
    if (controller.signal.aborted || n !== number || n.storing) return;
    Object.assign(n, { reading, readVersion: version });
    show(reading);
    // The reading is of the pad as it is now: what the person corrects stays as they left it.
    document.body.dataset.settled = String(version === pad.version && !pad.isDrawing);
    if ($("status").dataset.kind === "error") say("");
  } catch (error) {
    if (error.name === "AbortError" || n !== number || pad.isDrawing) return;
    n.reading = null;
    reset("No reading");
    say(error instanceof ApiError ? error.message : FAILED, "error");
  } finally {
    if (inFlight === controller) inFlight = null;
  }
}

// The number, each digit's box on the pad, and under it a field to correct the digit.
function show(reading) {
  $("number-value").textContent = reading.number;
  const unsure = reading.digits.filter((d) => d.uncertain).length;
  $("number-confidence").textContent = unsure
    ? `Not sure of ${unsure === 1 ? "one digit" : `${unsure} digits`}: check the grey ones.`
    : `${reading.digits.length} digits, all read clearly.`;
  const boxes = reading.digits.map((digit) => box(digit, reading));
  $("boxes").replaceChildren(...boxes);
  $("digits").replaceChildren(...reading.digits.map((digit, i) => field(digit, i, reading)));
  $("number-right").disabled = false;
  $("number-right").textContent = `✓ Yes, it's ${reading.number}`;
  $("number-save").disabled = true;
}

function box(digit, reading) {
  const [left, top, right, bottom] = digit.box;
  const element = document.createElement("div");
  element.className = digit.uncertain ? "box is-uncertain" : "box";
  Object.assign(element.style, {
    left: `${(100 * left) / reading.width}%`,
    top: `${(100 * top) / reading.height}%`,
    width: `${(100 * (right - left)) / reading.width}%`,
    height: `${(100 * (bottom - top)) / reading.height}%`,
  });
  return element;
}

function field(digit, index, reading) {
  const input = document.createElement("input");
  Object.assign(input, { type: "text", inputMode: "numeric", maxLength: 1, value: String(digit.digit) });
  input.className = digit.uncertain ? "digit-field is-uncertain" : "digit-field";
  input.dataset.read = String(digit.digit);
  input.setAttribute("aria-label", `Digit ${index + 1} of ${reading.digits.length}`);
  input.style.left = `${(50 * (digit.box[0] + digit.box[2])) / reading.width}%`;
  input.addEventListener("focus", () => input.select());
  input.addEventListener("input", () => {
    const changed = [...$("digits").children].some((f) => f.value !== f.dataset.read);
    $("number-save").disabled = !changed;
  });
  return input;
}

// The number is done: store it once, as it is now (nothing if it was never read).
function finish({ keepalive = false } = {}) {
  const n = number;
  if (!n.reading || n.storing) return n.storing;
  if (inFlight) inFlight.abort();
  n.sent ??= { image: pad.toPNG(), strokes: pad.strokesIn() }; // a retry sends the same
  n.storing = storeNumber(n.sent.image, n.sent.strokes, { key: n.key, keepalive }).catch((error) => {
    n.storing = null; // a later try sends the same key: still one number
    throw error;
  });
  pad.sealed = true;
  return n.storing;
}

async function answer(digits) {
  const n = number;
  if (!n.reading || n.answering) return;
  if (!/^[0-9]+$/.test(digits) || digits.length !== n.reading.digits.length) return feedbackSay(NOT_DIGITS);
  n.answering = true;
  feedbackSay("Saving…");
  try {
    const stored = await finish();
    const labelled = await correctNumber(stored.url, digits);
    document.body.dataset.storedNumber = labelled.url;
    feedbackSay(
      digits === n.reading.number
        ? `Thank you: saved as ${digits}.`
        : `Thank you: saved as ${digits}; the digits read wrong will teach the next model.`,
    );
  } catch (error) {
    feedbackSay(error instanceof ApiError ? error.message : FAILED);
  } finally {
    n.answering = false;
  }
}

function startNew() {
  finish()?.catch((error) => say(`The last number was not saved: ${error.message}`, "error"));
  pad.sealed = false;
  number = fresh();
  reset();
}

function clearPad() {
  const had = !pad.isEmpty;
  startNew();
  pad.clear();
  if (had) say("Cleared.");
}

function undo() {
  if (pad.sealed || pad.isEmpty) return;
  pad.undo();
  readNow();
}

pad.addEventListener("newdrawing", startNew);
pad.addEventListener("strokestart", () => (document.body.dataset.settled = "false"));
pad.addEventListener("strokeend", () => readNow());
pad.addEventListener("strokemove", () => {
  if (!inFlight && performance.now() - lastReadAt > READ_DURING_STROKE_MS) readNow();
});
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", clearPad);
$("pen-width").addEventListener("input", (event) => {
  pad.penWidth = Number(event.target.value);
  $("pen-width-value").textContent = event.target.value;
});
$("number-right").addEventListener("click", () => {
  for (const f of $("digits").children) f.value = f.dataset.read;
  answer(number.reading?.number ?? "");
});
$("number-save").addEventListener("click", () => answer([...$("digits").children].map((f) => f.value).join("")));
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement) return;
  if (event.key === "Escape") clearPad();
  else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
  }
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") finish({ keepalive: true })?.catch(() => {});
});
window.addEventListener("pagehide", () => finish({ keepalive: true })?.catch(() => {}));
document.body.dataset.ready = "true";
