// Calls to the site's own REST API; errors carry the server's plain-words message.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

// A new request's Idempotency-Key: a retried store of it can never add a second row.
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(), ...options.headers },
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("The site cannot be reached. Check your connection and try again.", "network", 0);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body && body.error;
    const message = error ? error.message : `The server answered ${response.status}.`;
    throw new ApiError(message, error ? error.code : "http", response.status);
  }
  return body;
}

function imageForm(file, fields = {}) {
  const form = new FormData();
  form.append("image", file, file.name || "drawing.png");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

// What the model reads in this image; the server stores nothing.
export function read(file, { signal }) {
  return request("/api/readings/", { method: "POST", body: imageForm(file), signal });
}

// Store a finished drawing once: a retry with the same key returns the same drawing. The
// server reads it again; `browser` is the reading the page showed, kept beside the server's.
export function store(file, { source, key, browser = null, keepalive = false }) {
  const form = imageForm(file, { source });
  if (browser) {
    form.append("browser_version", browser.version);
    form.append("browser_probabilities", JSON.stringify(browser.probabilities));
  }
  return request("/api/predictions/", {
    method: "POST",
    body: form,
    headers: { "Idempotency-Key": key },
    keepalive,
  });
}

export function giveFeedback(url, label) {
  return request(url, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ label }),
  });
}

export function recentDrawings() {
  return request("/api/predictions/");
}

// Which model version serves, its browser file and calibration.
export function servingModel() {
  return request("/api/models/serving/", { cache: "no-cache" });
}

function numberForm(file, strokes, fields = {}) {
  const form = imageForm(file, fields);
  if (strokes) form.append("strokes", JSON.stringify(strokes));
  return form;
}

// Every digit of a drawn number; the server stores nothing.
export function readNumber(file, strokes, { signal }) {
  return request("/api/numbers/read/", { method: "POST", body: numberForm(file, strokes), signal });
}

// Store a finished number once (one drawing per digit): a retry with the key returns it.
export function storeNumber(file, strokes, { key, keepalive = false }) {
  return request("/api/numbers/", {
    method: "POST",
    body: numberForm(file, strokes, { source: "canvas" }),
    headers: { "Idempotency-Key": key },
    keepalive,
  });
}

// Say which number it really was: one digit for each digit read.
export function correctNumber(url, digits) {
  return request(url, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ digits }),
  });
}
