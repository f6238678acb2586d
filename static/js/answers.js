// The "Was it right?" buttons, fitted to each reading: what a button stores is what it says.
import { NOT_A_DIGIT, confirmable } from "./result.js";

const $ = (id) => document.getElementById(id);

export const labelName = (label) => (label === NOT_A_DIGIT ? "not a digit" : String(label));
export const answerButtons = () => document.querySelectorAll("#feedback button");

// A button's label as the API takes it: a digit, or "not_a_digit". The digit and "Not a digit"
// buttons carry theirs in data-label; "✓" and the not-sure choices get data-answer per reading.
export function labelOf(button) {
  const value = button.dataset.answer ?? button.dataset.label;
  return value === NOT_A_DIGIT ? NOT_A_DIGIT : Number(value);
}

function sayYes(confirm) {
  return confirm === NOT_A_DIGIT ? "✓ Right, it's not a digit" : `✓ Yes, it's a ${confirm}`;
}

// "✓ Yes, it's a 7" when the model read a 7; "✓ Right, it's not a digit" when it saw none;
// "It's a 1" and "It's a 7" when it was not sure between them; the digits always.
export function fitAnswers(reading) {
  const confirm = confirmable(reading);
  const yes = $("feedback-correct");
  yes.hidden = confirm === null;
  if (confirm !== null) {
    yes.dataset.answer = String(confirm);
    yes.textContent = sayYes(confirm);
  }
  const choices = confirm === null ? reading.alternatives.slice(0, 2) : [];
  document.querySelectorAll("#feedback .choice").forEach((button, i) => {
    button.hidden = i >= choices.length;
    if (i < choices.length) {
      button.dataset.answer = String(choices[i]);
      button.textContent = `It's a ${choices[i]}`;
    }
  });
  $("feedback-not-digit").hidden = confirm === NOT_A_DIGIT;
  document.querySelectorAll("#feedback button.digit").forEach((button) => {
    const digit = Number(button.dataset.label);
    const words = confirm === null ? "It's" : digit === confirm ? "Yes, it's" : "No, it's";
    button.setAttribute("aria-label", `${words} a ${digit}`);
  });
  $("feedback-title").textContent = confirm === null ? "Which digit is it?" : "Was it right?";
}

export function enableAnswers(enabled) {
  answerButtons().forEach((button) => {
    button.disabled = !enabled;
    if (enabled) button.setAttribute("aria-pressed", "false");
  });
}

// After an answer: the chosen button pressed; after the last allowed change, the others off.
export function markAnswered(button, { final }) {
  answerButtons().forEach((b) => {
    b.setAttribute("aria-pressed", String(b === button));
    if (final) b.disabled = b !== button;
  });
}
