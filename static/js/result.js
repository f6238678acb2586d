// Show a reading: the digit, its confidence, the runners-up, a bar per digit, what the model saw.

const $ = (id) => document.getElementById(id);
const bars = () => document.querySelectorAll("#probabilities li");

export const percent = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

function alternatives(reading, count = 2) {
  return reading.probabilities
    .map((p, digit) => ({ digit, p }))
    .filter(({ digit, p }) => digit !== reading.digit && p >= 0.01)
    .sort((a, b) => b.p - a.p)
    .slice(0, count);
}

// The sentence a screen reader hears once per reading.
export function describe(reading) {
  return `Read as ${reading.digit}, ${percent(reading.confidence)} sure.`;
}

export function showReading(reading) {
  $("prediction-digit").textContent = String(reading.digit);
  $("prediction-confidence").textContent = `${percent(reading.confidence)} sure`;
  const others = alternatives(reading);
  $("alternatives").textContent = others.length
    ? `or ${others.map(({ digit, p }) => `${digit} (${percent(p)})`).join(", ")}`
    : "no other digit above 1%";
  bars().forEach((item, digit) => {
    const p = reading.probabilities[digit];
    item.querySelector(".p-fill").style.setProperty("--p", String(p));
    item.querySelector(".p-value").textContent = percent(p);
    item.classList.toggle("is-top", digit === reading.digit);
    item.setAttribute("aria-label", `${digit}: ${percent(p)}`);
  });
  const img = $("model-input");
  img.src = reading.input;
  img.hidden = false;
  setStale(false);
}

export function clearReading(message = "Draw a digit") {
  $("prediction-digit").textContent = "";
  $("prediction-confidence").textContent = message;
  $("alternatives").textContent = "";
  bars().forEach((item) => {
    item.querySelector(".p-fill").style.setProperty("--p", "0");
    item.querySelector(".p-value").textContent = "–";
    item.classList.remove("is-top");
    item.removeAttribute("aria-label");
  });
  $("model-input").hidden = true;
  setStale(false);
}

// Dim the shown result while a newer drawing is being read.
export function setStale(stale) {
  document.querySelector(".result").classList.toggle("is-stale", stale);
  if (stale) $("result-title").parentElement.setAttribute("aria-busy", "true");
  else $("result-title").parentElement.removeAttribute("aria-busy");
}
