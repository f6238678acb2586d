// Show a prediction: the digit, its confidence, a bar per digit, and what the model saw.

const digitOutput = () => document.getElementById("prediction-digit");
const confidenceText = () => document.getElementById("prediction-confidence");
const preview = () => document.getElementById("model-input");
const bars = () => document.querySelectorAll("#probabilities li");

const percent = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

export function showPrediction(result) {
  digitOutput().textContent = String(result.digit);
  confidenceText().textContent = `${percent(result.confidence)} sure it is a ${result.digit}.`;
  bars().forEach((item, digit) => {
    const p = result.probabilities[digit];
    item.querySelector(".p-fill").style.setProperty("--p", String(p));
    item.querySelector(".p-value").textContent = percent(p);
    item.classList.toggle("is-top", digit === result.digit);
    item.setAttribute("aria-label", `${digit}: ${percent(p)}`);
  });
  const img = preview();
  img.src = `${result.input_url}?scale=3`;
  img.hidden = false;
}

export function clearPrediction(message = "Draw a digit to see what the network reads.") {
  digitOutput().textContent = "";
  confidenceText().textContent = message;
  bars().forEach((item) => {
    item.querySelector(".p-fill").style.setProperty("--p", "0");
    item.querySelector(".p-value").textContent = "–";
    item.classList.remove("is-top");
    item.removeAttribute("aria-label");
  });
  preview().hidden = true;
}
