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

export const NOT_A_DIGIT_MESSAGE = "That doesn't look like a digit";

// "Not sure — 4 or 9?": the model's own alternatives, most likely first.
function notSure(reading) {
  return `Not sure — ${reading.alternatives.join(" or ")}?`;
}

// What the verdict says: a digit and how sure, or that the model does not know.
function headline(reading) {
  if (reading.uncertain_reason === "not_a_digit") return NOT_A_DIGIT_MESSAGE;
  if (reading.uncertain) return notSure(reading);
  return `${percent(reading.confidence)} sure`;
}

// The sentence a screen reader hears once per reading.
export function describe(reading) {
  if (reading.uncertain) return `${headline(reading)}.`;
  return `Read as ${reading.digit}, ${percent(reading.confidence)} sure.`;
}

export function showReading(reading) {
  $("prediction-digit").textContent = reading.uncertain ? "?" : String(reading.digit);
  $("prediction-confidence").textContent = headline(reading);
  document.querySelector(".verdict").classList.toggle("is-uncertain", reading.uncertain);
  const others = alternatives(reading);
  if (reading.uncertain_reason === "not_a_digit") {
    $("alternatives").textContent = `if it is one, most like ${reading.digit} (${percent(reading.confidence)})`;
  } else if (reading.uncertain) {
    $("alternatives").textContent = reading.alternatives
      .map((digit) => `${digit} (${percent(reading.probabilities[digit])})`)
      .join(", ");
  } else {
    $("alternatives").textContent = others.length
      ? `or ${others.map(({ digit, p }) => `${digit} (${percent(p)})`).join(", ")}`
      : "no other digit above 1%";
  }
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
  document.querySelector(".verdict").classList.remove("is-uncertain");
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
