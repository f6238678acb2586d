// The canvas page. While the person draws, the model reads the drawing and stores nothing:
// in the browser once its model is ready, through the server until then (and for uploads).
// A drawing is stored once, as it is at that moment, when the person is done with it: they
// answer "was it right?", move on (Clear, Esc, a new upload, a link), or leave the page.
// Without a network it waits on the device and is stored when the network is back.
import { ApiError, giveFeedback, newKey, read, store } from "./api.js";
import {
  answerButtons,
  enableAnswers,
  fitAnswers,
  labelName,
  labelOf,
  markAnswered,
} from "./answers.js";
import { DrawingPad } from "./drawing-pad.js";
import * as outbox from "./outbox.js";
import { BrowserReader } from "./reader.js";
import { loadRecent, showStored } from "./recent.js";
import { clearReading, confirmable, describe, setProvisional, showReading } from "./result.js";

const READ_DURING_STROKE_MS = 400; // through the server
const READ_DURING_STROKE_LOCAL_MS = 60; // in the browser: a few milliseconds each ...
const LOCAL_READ_SHARE = 3; // ... and never more than a third of a slow phone's main thread
const ANSWER_CHANGES = 1; // the person may change their answer once
const NOT_AN_IMAGE = "That file is not an image this site can read: use PNG, JPEG, WebP, GIF or BMP.";
const FAILED = "Something went wrong. Please try again.";
const NOT_READ = "The drawing could not be read, so nothing was saved. Please try again.";
const READING_CHANGED = "The drawing now reads differently: check the new reading, then answer.";
const NEW_DRAWING = "A new drawing: the last one is saved.";
const WAITING = "You are offline: this drawing will be saved when you are back online.";
const SENT = "Back online: the drawings made offline are saved.";
const $ = (id) => document.getElementById(id);

const pad = new DrawingPad($("digit-canvas"), { width: Number($("pen-width").value) });
const reader = new BrowserReader({ checkSeconds: Number(document.body.dataset.modelCheckSeconds) || 60 });
let drawing = newDrawing();
let inFlight = null; // the reading under way: { controller, seq, version, done }
let readSeq = 0;
let shownSeq = 0;
let lastReadAt = 0;
let localReadMs = 0; // how long the last reading in the browser took

function newDrawing(source = "canvas", file = null) {
  return {
    key: newKey(),
    source,
    file,
    sent: null, // the image stored: the drawing as it was when the person was done with it
    reading: null, // the reading shown, of the drawing at pad version `readVersion`
    readVersion: -1,
    storing: null, // the store under way or done (a promise of the stored drawing)
    stored: false,
    answering: false,
    answers: 0,
  };
}

function say(message, kind = "") {
  $("status").textContent = message;
  $("status").dataset.kind = kind;
}

function feedbackSay(message) {
  $("feedback-status").textContent = message;
}

function resetResult(message) {
  if (inFlight) inFlight.controller.abort();
  inFlight = null;
  clearReading(message);
  enableAnswers(false);
  feedbackSay("");
}

// Read the drawing as it is now. A reading taken mid-stroke is provisional: not announced,
// and an error is not shown (the first moments of a stroke are "just a dot").
function readNow({ provisional = false } = {}) {
  if (pad.isEmpty) {
    resetResult();
    return Promise.resolve();
  }
  if (inFlight) inFlight.controller.abort();
  const current = { controller: new AbortController(), seq: ++readSeq, version: pad.version };
  inFlight = current;
  lastReadAt = performance.now();
  current.done = readInto(drawing, current, provisional).finally(() => {
    if (inFlight === current) inFlight = null;
  });
  return current.done;
}

async function readInto(d, current, provisional) {
  try {
    const reading = await readDrawing(d, current.controller.signal);
    if (current.controller.signal.aborted) return; // superseded, maybe while reading the body
    // A reading that comes back after the drawing was stored is not what the person answered.
    if (d !== drawing || current.seq < shownSeq || d.storing) return;
    shownSeq = current.seq;
    Object.assign(d, { reading, readVersion: current.version });
    showReading(reading);
    fitAnswers(reading);
    enableAnswers(d.answers <= ANSWER_CHANGES);
    if (provisional || pad.isDrawing) return;
    setProvisional(false);
    if ($("status").dataset.kind === "error") say(""); // what the last reading said is over
    $("announcer").textContent = describe(reading);
  } catch (error) {
    if (error.name === "AbortError" || d !== drawing || provisional) return;
    d.reading = null;
    resetResult("No reading");
    say(error instanceof ApiError ? error.message : FAILED, "error");
  }
}

// Canvas drawings are read in the browser when its model is ready; uploads on the server.
async function readDrawing(d, signal) {
  if (reader.ready && !d.file) {
    try {
      const started = performance.now();
      const reading = await reader.read(pad.toImageData());
      localReadMs = performance.now() - started;
      return reading;
    } catch (error) {
      if (error instanceof ApiError) throw error; // the drawing's fault: the server would agree
      console.warn(`Digit reader: the browser model failed (${error.message}); reading on the server.`);
    }
  }
  return read(d.file || pad.toPNG(), { signal });
}

// What the page showed, when the browser read it: stored beside the server's own reading.
function browserReading(d) {
  const r = d.reading;
  return r && r.read_in_browser ? { version: r.model_version, probabilities: r.probabilities } : null;
}

// Wait until the shown reading is of the drawing as it is now (the one under way, or a new one).
async function settle(d) {
  for (let tries = 0; tries < 3 && d === drawing; tries += 1) {
    if (d.readVersion === pad.version && !inFlight) return;
    await (inFlight && inFlight.version === pad.version ? inFlight.done : readNow());
  }
}

// The drawing is done: store it once, as it is now (nothing if it was never read).
function finish({ keepalive = false } = {}) {
  const d = drawing;
  if (!d.reading || d.storing) return d.storing;
  if (inFlight) inFlight.controller.abort();
  inFlight = null;
  setProvisional(false);
  d.sent ??= d.file || pad.toPNG(); // a retry sends the same image with the same key
  const entry = { key: d.key, source: d.source, image: d.sent, browser: browserReading(d) };
  d.storing = store(d.sent, { ...entry, keepalive }).then(
    (stored) => {
      d.stored = true;
      showStored(stored, d.sent);
      reader.confirm(stored.model_version);
      return stored;
    },
    (error) => {
      // The browser knows it is offline: keep it. Online, a lost answer is retried by hand.
      if (error.code === "network" && !navigator.onLine && outbox.available) {
        return keepOffline(d, entry);
      }
      d.storing = null; // a later try sends the same key: still one row
      throw error;
    },
  );
  pad.sealed = true;
  return d.storing;
}

// No network: keep the drawing on the device (resolves to null: it is not stored yet).
function keepOffline(d, entry) {
  d.waiting = entry;
  return outbox.keep(entry).then(
    () => {
      if (d === drawing || !drawing.reading) say(WAITING, "waiting");
      return null;
    },
    (error) => {
      d.storing = null;
      d.waiting = null;
      throw error;
    },
  );
}

// Send what waits on the device; say what still waits (a tab closed offline left it there).
async function sendWaiting() {
  let sent = 0;
  const left = await outbox.sendWaiting((stored, image) => {
    sent += 1;
    showStored(stored, image);
  });
  if (left) say(waitingMessage(left), "waiting");
  else if (sent) say(SENT);
}

const waitingMessage = (n) =>
  `You are offline: ${n === 1 ? "1 drawing" : `${n} drawings`} will be saved when you are back online.`;

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

// Store the drawing as it is when answered, labelled with what the pressed button says.
async function answer(button) {
  const d = drawing;
  if (!d.reading || d.answers > ANSWER_CHANGES || d.answering) return;
  const label = labelOf(button); // what the button said when it was pressed
  d.answering = true;
  feedbackSay("Saving…");
  try {
    if (!d.storing) {
      await settle(d);
      if (d !== drawing) return;
      if (!d.reading || d.readVersion !== pad.version) return feedbackSay(NOT_READ);
    }
    // "✓" agrees with a reading: if the finished drawing reads otherwise, ask again.
    if (button.id === "feedback-correct" && confirmable(d.reading) !== label) {
      return feedbackSay(READING_CHANGED);
    }
    const stored = await finish();
    if (stored === null) return await answerOffline(d, button, label);
    const labelled = await giveFeedback(stored.url, label);
    d.answers += 1;
    showStored(labelled);
    const final = d.answers > ANSWER_CHANGES;
    markAnswered(button, { final });
    feedbackSay(
      final
        ? `Saved as ${labelName(label)}. Only a reviewer can change it now.`
        : `Thank you: saved as ${labelName(label)}. Pick again to change it.`,
    );
  } catch (error) {
    feedbackSay(error instanceof ApiError ? error.message : FAILED);
  } finally {
    d.answering = false;
  }
}

// Offline, the answer waits with the drawing; it is the person's one answer until it is sent.
async function answerOffline(d, button, label) {
  await outbox.keep({ ...d.waiting, label });
  d.answers = ANSWER_CHANGES + 1;
  markAnswered(button, { final: true });
  say("");
  feedbackSay(`Kept on this device as ${labelName(label)}: it will be saved when you are back online.`);
}

// Following a link is being done with the drawing: store it first, so the next page has it.
function leaveThrough(event) {
  const link = event.target.closest("a[href]");
  const plain = event.button === 0 && !(event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
  if (!link || !plain || event.defaultPrevented || link.target || link.origin !== location.origin) return;
  if (!drawing.reading || drawing.stored) return;
  event.preventDefault();
  const go = () => location.assign(link.href);
  (finish() || Promise.resolve()).then(go, go);
}

pad.addEventListener("newdrawing", () => {
  const saved = Boolean(drawing.storing);
  startNewDrawing();
  if (saved) say(NEW_DRAWING);
});
pad.addEventListener("strokestart", () => setProvisional(true));
pad.addEventListener("strokeend", () => readNow());
pad.addEventListener("strokemove", () => {
  const local = Math.max(READ_DURING_STROKE_LOCAL_MS, LOCAL_READ_SHARE * localReadMs);
  const every = reader.ready ? local : READ_DURING_STROKE_MS;
  if (!inFlight && performance.now() - lastReadAt > every) {
    readNow({ provisional: true });
  }
});
$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", clearPad);
$("pen-width").addEventListener("input", (event) => {
  pad.penWidth = Number(event.target.value);
  $("pen-width-value").textContent = event.target.value;
});
$("upload").addEventListener("change", (event) => useFile(event.target.files[0]));
answerButtons().forEach((button) => button.addEventListener("click", () => answer(button)));
document.addEventListener("click", leaveThrough);
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
window.addEventListener("online", sendWaiting);
reader.addEventListener("ready", () => {
  document.body.dataset.reader = "browser";
  document.body.dataset.readerVersion = reader.version;
});
reader.addEventListener("fallback", () => (document.body.dataset.reader = "server"));
// After the first paint: the runtime and model are a few megabytes the drawing need not wait for.
window.addEventListener("load", () => {
  setTimeout(() => reader.start(), 0);
  navigator.serviceWorker?.register("/sw.js").catch(() => {});
  sendWaiting(); // drawings left waiting by a tab closed offline
});
document.body.dataset.ready = "true";
