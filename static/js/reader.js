// Read drawings in the browser with the serving version's own model: LiteRT.js runs its browser
// file in WebAssembly, after the page has painted. Until it is ready, where WebAssembly is
// missing, or when the file fails to load, the page reads through the server as before.
import { ApiError, servingModel } from "./api.js";
import { judge } from "./judge.js";
import { EmptyDrawing, preprocess, SIDE, toLevels } from "./preprocess.js";

const RUNTIME = new URL("../vendor/litertjs-2.5.3/", import.meta.url);
const WASM_LOADER = new URL("litert_wasm_compat_internal.js", RUNTIME);
export const FALLBACK = "Digit reader: reading on the server, because the browser model";

let runtime = null; // the LiteRT.js module, once loaded
let loading = null; // its loading, shared by every reader on the page

function loadRuntime() {
  loading ??= (async () => {
    // Its WebAssembly build prints to the console through Emscripten's Module: keep it quiet.
    self.Module = { print() {}, printErr() {} };
    const litert = await import(new URL("litert.js", RUNTIME).href);
    await litert.loadLiteRt(WASM_LOADER.href);
    runtime = litert;
    return litert;
  })().catch((error) => {
    loading = null; // a later try may succeed (the network came back)
    throw error;
  });
  return loading;
}

export class BrowserReader extends EventTarget {
  constructor({ checkSeconds = 60 } = {}) {
    super();
    this.checkSeconds = checkSeconds;
    this.model = null; // the compiled model of `version`, or null: the server reads
    this.version = null;
    this.calibration = null;
    this.following = null;
    this.failed = null; // the version whose browser file failed: not tried again
    this.checkedAt = -Infinity;
  }

  get ready() {
    return this.model !== null;
  }

  // Load the serving version now, and follow promotions while the page is open: asked when
  // no stored drawing has said which version serves for `checkSeconds`.
  start() {
    if (typeof WebAssembly !== "object") return;
    this.follow();
    setInterval(() => {
      if (performance.now() - this.checkedAt >= this.checkSeconds * 1000) this.follow();
    }, 1000 * Math.min(this.checkSeconds, 5));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.follow();
    });
  }

  // Ask which version serves; load its browser file when it is not the one loaded.
  follow() {
    this.following ??= this.#follow().finally(() => (this.following = null));
    return this.following;
  }

  // The server read a drawing with `version`: the serving one, as good as asking. A page
  // reading on the server leaves the asking to the minute's check.
  confirm(version) {
    if (this.ready && version !== this.version) this.follow();
    else this.checkedAt = performance.now();
  }

  async #follow() {
    this.checkedAt = performance.now();
    let serving;
    try {
      serving = await servingModel();
    } catch {
      return; // offline or unreachable: keep reading with what is loaded
    }
    const { version } = serving;
    if ((version === this.version && this.ready) || version === this.failed) return;
    if (!serving.browser_model) return this.#fallBack(version, "has no browser file");
    try {
      const { loadAndCompile } = await loadRuntime();
      const model = await loadAndCompile(serving.browser_model, { accelerator: "wasm" });
      await this.#check(model);
      const previous = this.model;
      Object.assign(this, { model, version, calibration: serving.calibration, failed: null });
      previous?.delete?.();
      navigator.serviceWorker?.controller?.postMessage({ keepModel: serving.browser_model });
      this.dispatchEvent(new Event("ready"));
    } catch (error) {
      this.#fallBack(version, `could not be loaded (${error.message || error})`);
    }
  }

  // A damaged file can compile and still answer nonsense: an empty input must give 10 or 11
  // finite probabilities.
  async #check(model) {
    const outputs = await this.#run(model, new Float32Array(SIDE * SIDE));
    if (![10, 11].includes(outputs.length) || !outputs.every(Number.isFinite)) {
      throw new Error("its outputs are not probabilities");
    }
  }

  // One line in the console per version that fails; the server reads from now on.
  #fallBack(version, why) {
    Object.assign(this, { model: null, version: null, failed: version });
    console.warn(`${FALLBACK} ${version} ${why}.`);
    this.dispatchEvent(new Event("fallback"));
  }

  async #run(model, pixels) {
    const { Tensor } = runtime;
    const input = new Tensor(pixels, [1, SIDE, SIDE, 1]);
    try {
      const results = await model.run(input);
      const outputs = Float32Array.from(results[0].toTypedArray());
      results.forEach((tensor) => tensor.delete());
      return outputs;
    } finally {
      input.delete();
    }
  }

  // Read RGBA `ImageData` as the server would; the reading has the API's shape.
  async read(image) {
    let pixels;
    try {
      pixels = preprocess(image);
    } catch (error) {
      if (error instanceof EmptyDrawing) throw new ApiError(error.message, "empty_drawing", 422);
      throw error;
    }
    const version = this.version;
    const outputs = await this.#run(this.model, pixels);
    return {
      ...judge(outputs, this.calibration),
      model_version: version,
      input: inputImage(toLevels(pixels)),
      read_in_browser: true,
    };
  }
}

// What the model saw, as the server shows it: a 28x28 grey PNG, ink white.
function inputImage(levels) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIDE;
  const context = canvas.getContext("2d");
  const image = context.createImageData(SIDE, SIDE);
  levels.forEach((level, i) => {
    image.data.set([level, level, level, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
  return canvas.toDataURL("image/png");
}
