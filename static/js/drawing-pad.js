// A drawing pad, square or wide: mouse, finger and pen through Pointer Events, sharp on
// high-DPI screens. Strokes are kept in coordinates from 0 to 1, so a resize redraws them
// exactly, and the image sent to the model is drawn afresh 280 px high whatever the screen.

const SEND_SIZE = 280;

export class DrawingPad extends EventTarget {
  constructor(canvas, { ink = "#111", width = 18, aspect = 1 } = {}) {
    super();
    this.canvas = canvas;
    this.aspect = aspect; // width over height
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
    const canvas = this.#sized(size);
    this.#paint(canvas.getContext("2d"), canvas.width, size);
    const url = canvas.toDataURL("image/png");
    const bytes = Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: "image/png" });
  }

  // The same 280 px drawing as RGBA pixels, for the browser's own reading (no encoding).
  toImageData(size = SEND_SIZE) {
    const canvas = this.#sized(size);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    this.#paint(context, canvas.width, size);
    return context.getImageData(0, 0, canvas.width, size);
  }

  // The strokes in the pixels of `toPNG(size)`: a number's digits are never split mid-stroke.
  strokesIn(size = SEND_SIZE) {
    const width = Math.round(size * this.aspect);
    return this.strokes.map((s) => s.points.map(([x, y]) => [x * width, y * size]));
  }

  #sized(height) {
    const canvas = document.createElement("canvas");
    canvas.height = height;
    canvas.width = Math.round(height * this.aspect);
    return canvas;
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
    const width = Math.round(this.canvas.getBoundingClientRect().width * ratio) || 280;
    if (this.canvas.width !== width) {
      this.canvas.width = width;
      this.canvas.height = Math.round(width / this.aspect);
    }
    this.redraw();
  }

  redraw() {
    this.#paint(this.ctx, this.canvas.width, this.canvas.height);
  }

  #paint(ctx, width, height) {
    ctx.clearRect(0, 0, width, height);
    if (this.background) {
      const b = this.background;
      const scale = Math.min(width / b.width, height / b.height);
      const w = b.width * scale;
      const h = b.height * scale;
      ctx.drawImage(b, (width - w) / 2, (height - h) / 2, w, h);
      return;
    }
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = this.ink;
    ctx.fillStyle = this.ink;
    for (const stroke of this.strokes) drawStroke(ctx, stroke, width, height);
  }
}

// The pen's width is a share of the pad's height, as on a 280 px square pad.
function drawStroke(ctx, { width: pen, points }, width, height) {
  const at = ([x, y]) => [x * width, y * height];
  const [x0, y0] = at(points[0]);
  if (points.length === 1) {
    ctx.beginPath();
    ctx.arc(x0, y0, (pen * height) / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.lineWidth = pen * height;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  // Quadratic curves through the midpoints give smooth strokes from sparse events.
  for (let i = 1; i < points.length - 1; i += 1) {
    const [x, y] = at(points[i]);
    const [nx, ny] = at(points[i + 1]);
    ctx.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2);
  }
  const [xn, yn] = at(points[points.length - 1]);
  ctx.lineTo(xn, yn);
  ctx.stroke();
}
