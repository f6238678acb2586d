// Drawings made without a network: kept in IndexedDB, each stored once (its Idempotency-Key)
// when the network is back, in this tab or on the next visit.
import { ApiError, giveFeedback, store } from "./api.js";

const DB = "digit-reader";
const STORE = "waiting";
export const NO_ROOM =
  "This drawing could not be kept on this device (its storage is full), so it was not saved.";
export const NOT_KEPT = "This drawing could not be kept on this device, so it was not saved.";

export const available = typeof indexedDB === "object";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

// Keep a drawing (and the answer given, if any) until it is stored; a full disk says so.
export async function keep(entry) {
  try {
    await inStore("readwrite", (waiting) => waiting.put(entry));
  } catch (error) {
    const full = error && error.name === "QuotaExceededError";
    throw new ApiError(full ? NO_ROOM : NOT_KEPT, "not_kept", 0);
  }
}

export const waiting = () => inStore("readonly", (store) => store.getAll());
const forget = (key) => inStore("readwrite", (store) => store.delete(key));

let sending = null;

// Store every waiting drawing once; stop at the first that cannot reach the site. Resolves
// to how many still wait.
export function sendWaiting(onStored) {
  sending ??= send(onStored).finally(() => (sending = null));
  return sending;
}

async function send(onStored) {
  const entries = await waiting().catch(() => []);
  for (const [index, entry] of entries.entries()) {
    try {
      let drawing = await store(entry.image, entry);
      if (entry.label != null) drawing = await labelled(drawing, entry.label);
      await forget(entry.key);
      onStored(drawing, entry.image);
    } catch (error) {
      // Refused for good (a 4xx but 429): sending it again would be refused again.
      const final = error instanceof ApiError && error.status >= 400 && error.status < 500;
      if (!final || error.status === 429) return entries.length - index;
      await forget(entry.key);
    }
  }
  return 0;
}

async function labelled(drawing, label) {
  try {
    return await giveFeedback(drawing.url, label);
  } catch (error) {
    if (error instanceof ApiError && error.code === "already_labelled") return drawing; // sent before
    throw error;
  }
}
