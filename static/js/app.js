// The canvas page: draw or upload, predict after each stroke, show the result, take feedback.
import { ApiError, giveFeedback, predict } from "./api.js";
import { DrawingPad } from "./drawing-pad.js";
import { clearPrediction, showPrediction } from "./result.js";

const PREDICT_DELAY_MS = 350;
const EMPTY_MESSAGE = "The canvas is empty: draw a digit first.";
const $ = (id) => document.getElementById(id);

const pad = new DrawingPad($("digit-canvas"), { width: Number($("pen-width").value) });
const status = $("status");
const feedback = $("feedback");
const feedbackStatus = $("feedback-status");
let uploaded = null; // the file shown on the pad, sent as is
let current = null; // the latest stored prediction
let inFlight = null;
let timer = null;

function say(message, kind = "") {
  status.textContent = message;
  status.dataset.kind = kind;
}

function reset(message) {
  clearTimeout(timer);
  if (inFlight) inFlight.abort();
  current = null;
  feedback.hidden = true;
  clearPrediction(message);
}

async function run() {
  clearTimeout(timer);
  if (pad.isEmpty) {
    reset();
    say(EMPTY_MESSAGE, "error");
    return;
  }
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  say("Reading…", "busy");
  $("result-title").parentElement.setAttribute("aria-busy", "true");
  try {
    const file = uploaded || (await pad.toBlob());
    const result = await predict(file, { source: uploaded ? "upload" : "canvas", signal: controller.signal });
    if (controller.signal.aborted) return;
    current = result;
    showPrediction(result);
    say("");
    feedback.hidden = false;
    feedbackStatus.textContent = "";
    document.querySelectorAll("#feedback button").forEach((b) => b.setAttribute("aria-pressed", "false"));
  } catch (error) {
    if (error.name === "AbortError") return;
    current = null;
    feedback.hidden = true;
    clearPrediction("No prediction.");
    say(error instanceof ApiError ? error.message : "Something went wrong. Please try again.", "error");
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      $("result-title").parentElement.removeAttribute("aria-busy");
    }
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(run, PREDICT_DELAY_MS);
}

async function useFile(file) {
  if (!file) return;
  try {
    pad.showImage(await createImageBitmap(file));
  } catch {
    pad.clear();
  }
  uploaded = file;
  await run();
}

async function sendFeedback(label, button) {
  if (!current) return;
  feedbackStatus.textContent = "Saving…";
  try {
    current = await giveFeedback(current.url, label);
    document.querySelectorAll("#feedback button").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
    feedbackStatus.textContent = `Thank you: saved as ${label}.`;
  } catch (error) {
    feedbackStatus.textContent = error.message;
  }
}

pad.addEventListener("strokeend", () => {
  uploaded = null;
  schedule();
});
$("predict").addEventListener("click", run);
$("undo").addEventListener("click", () => {
  pad.undo();
  uploaded = null;
  if (pad.isEmpty) reset();
  else schedule();
});
$("clear").addEventListener("click", () => {
  pad.clear();
  uploaded = null;
  reset();
  say("Cleared.");
});
$("pen-width").addEventListener("input", (event) => {
  pad.penWidth = Number(event.target.value);
  $("pen-width-value").textContent = event.target.value;
});
$("upload").addEventListener("change", (event) => useFile(event.target.files[0]));
$("feedback-correct").addEventListener("click", (event) => current && sendFeedback(current.digit, event.currentTarget));
document.querySelectorAll("#feedback [data-label]").forEach((button) => {
  button.addEventListener("click", () => sendFeedback(Number(button.dataset.label), button));
});

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
document.body.dataset.ready = "true";
