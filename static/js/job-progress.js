// A retrain job's page while it is queued or running: shows its progress by reloading every
// few seconds, and stops while the person is using the page (focus in it, text selected).
(() => {
  const EVERY_MS = 5000;
  const busy = () =>
    document.activeElement && document.activeElement !== document.body
      ? true
      : String(window.getSelection()) !== "";
  setInterval(() => {
    if (!document.hidden && !busy()) location.reload();
  }, EVERY_MS);
})();
