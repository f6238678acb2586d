// A square drawing pad: mouse, finger and pen through Pointer Events, sharp on high-DPI screens.
// Strokes are kept in coordinates from 0 to 1, so a resize redraws them exactly, and the
// image sent to the model is drawn afresh at 280 px whatever the screen's pixel ratio.

const SEND_SIZE = 280;

export class DrawingPad extends EventTarget {
  constructor(canvas, { ink = "#111", width = 18 } = {}) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.ink = ink;
    this.penWidth = width; // in CSS pixels of a 280 px pad
    this.strokes = [];
    this.current = null;
    this.background = null; // an uploaded image shown instead of strokes
    this.sealed = false; // a finished drawing: the next stroke starts a new one
    this.version = 0; // counts changes, so that a reading can say which drawing it read
    this.#listen();
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.background;
  }

  undo() {
    this.strokes.pop();
    this.#changed();
  }

  clear() {
    this.strokes = [];
    this.background = null;
    this.sealed = false;
    this.#changed();
  }

  showImage(bitmap) {
    this.strokes = [];
    this.sealed = false;
    this.background = bitmap;
    this.#changed();
  }

  #changed() {
    this.version += 1;
    this.redraw();
  }

  // A 280 px PNG of the strokes, encoded at once: `toBlob` and `convertToBlob` wait for the
  // browser's idle time (Chromium forces them only after one second, four on Android), while
  // `toDataURL` takes a few tens of milliseconds and never stalls.
  toPNG(size = SEND_SIZE) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    this.#paint(canvas.getContext("2d"), size);
    const url = canvas.toDataURL("image/png");
    const bytes = Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: "image/png" });
  }

  // The same 280 px drawing as RGBA pixels, for the browser's own reading (no encoding).
  toImageData(size = SEND_SIZE) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    this.#paint(context, size);
    return context.getImageData(0, 0, size, size);
  }

  // A stroke is under way: its readings are provisional.
  get isDrawing() {
    return this.current !== null;
  }

  #listen() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (event) => this.#start(event));
    c.addEventListener("pointermove", (event) => this.#move(event));
    for (const type of ["pointerup", "pointercancel"]) {
      c.addEventListener(type, (event) => this.#end(event));
    }
  }

  #point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
  }

  #start(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    if (this.background || this.sealed) {
      this.dispatchEvent(new Event("newdrawing")); // while the finished drawing is still here
      this.clear();
    }
    this.current = { width: this.penWidth / 280, points: [this.#point(event)] };
    this.strokes.push(this.current);
    this.#changed();
    this.dispatchEvent(new Event("strokestart"));
  }

  #move(event) {
    if (!this.current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) this.current.points.push(this.#point(e));
    this.#changed();
    this.dispatchEvent(new Event("strokemove"));
  }

  #end(event) {
    if (!this.current) return;
    this.current = null;
    if (this.canvas.hasPointerCapture(event.pointerId)) {
      this.canvas.releasePointerCapture(event.pointerId);
    }
    this.dispatchEvent(new Event("strokeend"));
  }

  #resize() {
    const ratio = window.devicePixelRatio || 1;
    const size = Math.round(this.canvas.getBoundingClientRect().width * ratio) || 280;
    if (this.canvas.width !== size) {
      this.canvas.width = size;
      this.canvas.height = size;
    }
    this.redraw();
  }

  redraw() {
    this.#paint(this.ctx, this.canvas.width);
  }

  #paint(ctx, size) {
    ctx.clearRect(0, 0, size, size);
    if (this.background) {
      const b = this.background;
      const scale = Math.min(size / b.width, size / b.height);
      const w = b.width * scale;
      const h = b.height * scale;
      ctx.drawImage(b, (size - w) / 2, (size - h) / 2, w, h);
      return;
    }
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = this.ink;
    ctx.fillStyle = this.ink;
    for (const stroke of this.strokes) drawStroke(ctx, stroke, size);
  }
}

function drawStroke(ctx, { width, points }, size) {
  const [x0, y0] = points[0];
  if (points.length === 1) {
    ctx.beginPath();
    ctx.arc(x0 * size, y0 * size, (width * size) / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.lineWidth = width * size;
  ctx.beginPath();
  ctx.moveTo(x0 * size, y0 * size);
  // Quadratic curves through the midpoints give smooth strokes from sparse events.
  for (let i = 1; i < points.length - 1; i += 1) {
    const [x, y] = points[i];
    const [nx, ny] = points[i + 1];
    ctx.quadraticCurveTo(x * size, y * size, ((x + nx) / 2) * size, ((y + ny) / 2) * size);
  }
  const [xn, yn] = points[points.length - 1];
  ctx.lineTo(xn * size, yn * size);
  ctx.stroke();
}
