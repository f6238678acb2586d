// Show a reading: the digit, its confidence, the runners-up, a bar per digit, what the model saw.

const $ = (id) => document.getElementById(id);
const bars = () => document.querySelectorAll("#probabilities li");

export const NOT_A_DIGIT = "not_a_digit"; // the API's label for a drawing that is no digit
export const NOT_A_DIGIT_MESSAGE = "That doesn't look like a digit";

export const percent = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

// The server's own alternatives (ml.uncertainty: likely enough to name, most likely first).
function runnersUp(reading) {
  return reading.alternatives
    .filter((digit) => digit !== reading.digit)
    .map((digit) => ({ digit, p: reading.probabilities[digit] }));
}

// What the person may confirm: the digit read, "not a digit", or nothing when the model
// could not tell between digits (then they pick one of its alternatives or any digit).
export function confirmable(reading) {
  if (reading.uncertain_reason === NOT_A_DIGIT) return NOT_A_DIGIT;
  return reading.uncertain ? null : reading.digit;
}

// "Not sure — 4 or 9?": the model's own alternatives, most likely first.
function notSure(reading) {
  return `Not sure — ${reading.alternatives.join(" or ")}?`;
}

// What the verdict says: a digit and how sure, or that the model does not know.
function headline(reading) {
  if (reading.uncertain_reason === NOT_A_DIGIT) return NOT_A_DIGIT_MESSAGE;
  if (reading.uncertain) return notSure(reading);
  return `${percent(reading.confidence)} sure`;
}

// The sentence a screen reader hears once per reading.
export function describe(reading) {
  if (reading.uncertain_reason === NOT_A_DIGIT) return `${NOT_A_DIGIT_MESSAGE}.`;
  if (reading.uncertain) return notSure(reading);
  return `Read as ${reading.digit}, ${percent(reading.confidence)} sure.`;
}

function showOthers(reading) {
  const others = runnersUp(reading);
  if (reading.uncertain_reason === NOT_A_DIGIT) {
    return `if it is one, most like ${reading.digit} (${percent(reading.confidence)})`;
  }
  if (reading.uncertain) {
    return reading.alternatives
      .map((digit) => `${digit} (${percent(reading.probabilities[digit])})`)
      .join(", ");
  }
  return others.length
    ? `or ${others.map(({ digit, p }) => `${digit} (${percent(p)})`).join(", ")}`
    : "no other digit is likely";
}

export function showReading(reading) {
  $("prediction-digit").textContent = reading.uncertain ? "?" : String(reading.digit);
  $("prediction-confidence").textContent = headline(reading);
  document.querySelector(".verdict").classList.toggle("is-uncertain", reading.uncertain);
  $("alternatives").textContent = showOthers(reading);
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
  setProvisional(false);
}

// While a stroke is under way its readings are guesses: shown calmly as provisional, set once
// when the stroke starts and cleared by the reading of the finished stroke, never per request.
export function setProvisional(provisional) {
  const result = document.querySelector(".result");
  result.classList.toggle("is-provisional", provisional);
  if (provisional) result.setAttribute("aria-busy", "true");
  else result.removeAttribute("aria-busy");
}
