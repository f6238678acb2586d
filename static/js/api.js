// Calls to the site's own REST API; errors carry the server's plain-words message.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
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

export function predict(file, { source, signal }) {
  const form = new FormData();
  form.append("image", file, file.name || "drawing.png");
  form.append("source", source);
  return request("/api/predictions/", { method: "POST", body: form, signal });
}

export function giveFeedback(url, label) {
  return request(url, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ label }),
  });
}
