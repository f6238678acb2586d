// The review queue's keyboard: j/k (or arrows) move between rows, 0-9 label the current row,
// c confirms its prediction, n labels it "not a digit", x excludes it. Each key presses that
// row's own review button.
(() => {
  const KEY = "review-row";
  const rows = () => Array.from(document.querySelectorAll("#result_list tbody tr"));
  let current = -1;

  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("is-current", i === current));
    all[current].tabIndex = -1;
    all[current].focus();
    sessionStorage.setItem(KEY, String(current));
  }

  function press(key) {
    const row = rows()[current];
    const button = row && row.querySelector(`button.rv[data-key="${key}"]`);
    if (button) button.click();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, select, textarea, [contenteditable]")) return;
    const key = event.key.toLowerCase();
    if (key === "j" || key === "arrowdown") focusRow(current + 1);
    else if (key === "k" || key === "arrowup") focusRow(current - 1);
    else if (/^[0-9cnx]$/.test(key) && current >= 0) press(key);
    else return;
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("review-keys")) return; // not a reviewer: no buttons to press
    // After a review the page reloads: stay at the same place in the queue.
    const saved = sessionStorage.getItem(KEY);
    if (saved !== null && /^\d+$/.test(saved)) focusRow(Number(saved));
  });
})();
