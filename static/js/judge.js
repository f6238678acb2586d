// The browser's copy of ml.uncertainty.judge: calibrated probabilities, "not sure" and the
// alternatives, from the model's raw outputs and the version's calibration.

const NOT_A_DIGIT = 10;
const ALTERNATIVE_MIN = 0.05;
const MAX_ALTERNATIVES = 3;

function calibrated(outputs, temperature) {
  const logits = Array.from(outputs, (p) => Math.log(Math.min(Math.max(p, 1e-12), 1)) / temperature);
  const top = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}

// Return a reading shaped like the API's, for raw outputs (10 or 11 of them).
export function judge(outputs, calibration) {
  const probs = calibrated(outputs, calibration.temperature);
  const digitsOnly = probs.slice(0, NOT_A_DIGIT);
  const sum = Math.max(digitsOnly.reduce((a, b) => a + b, 0), 1e-12);
  const probabilities = probs.length > NOT_A_DIGIT ? digitsOnly.map((p) => p / sum) : digitsOnly;
  const notDigit = probs.length > NOT_A_DIGIT ? probs[NOT_A_DIGIT] : 0;
  const order = probabilities.map((p, d) => d).sort((a, b) => probabilities[b] - probabilities[a]);
  const likely = order.slice(0, MAX_ALTERNATIVES).filter((d) => probabilities[d] >= ALTERNATIVE_MIN);
  let reason = null;
  if (notDigit >= calibration.not_digit_threshold) reason = "not_a_digit";
  else if (probabilities[order[0]] < calibration.ambiguous_threshold) reason = "ambiguous";
  const alternatives = likely.length ? likely : [order[0]];
  return {
    digit: alternatives[0],
    confidence: Math.max(...probabilities),
    probabilities,
    uncertain: reason !== null,
    uncertain_reason: reason,
    alternatives,
    not_digit_probability: notDigit,
  };
}
