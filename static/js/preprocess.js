// The browser's copy of ml.preprocessing for a canvas drawing (ink as alpha on transparency):
// the same steps, thresholds and Lanczos resampling (Pillow's), in the same number types, so
// the 28x28 the browser's model sees is the server's within one grey level. A test holds the
// two together on hundreds of drawings (tests/recognizer/test_canvas_browser.py).

export const SIDE = 28;
const DIGIT_BOX = 20;
const CENTER = 14.0;
const MIN_CONTRAST = 0.1;
const NOISE_FLOOR = 0.05;
const BBOX_THRESHOLD = 0.1;
const MIN_EXTENT = 0.04;
const DOT_FILL = 0.7;
const DOT_ASPECT = 1.5;
const DOT_MAX_EXTENT = 0.15;
const LANCZOS_SUPPORT = 3.0;

// The server's own words (ml.preprocessing), so that both readings say the same.
export const EMPTY = "The drawing is empty: draw a digit first.";
export const TOO_SMALL = "The drawing is too small or just a dot: draw a whole digit.";

export class EmptyDrawing extends Error {}

const f32 = Math.fround;

// Python's round(): halves go to the even neighbour.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Return the model's 28x28 input (Float32Array, ink = 1) for RGBA `ImageData`.
export function preprocess({ data, width, height }) {
  const box = alphaBox(data, width, height);
  if (!box) throw new EmptyDrawing(EMPTY);
  const clear = box.left > 0 && box.top > 0 && box.right < width && box.bottom < height;
  const region = clear ? box : { left: 0, top: 0, right: width, bottom: height };
  const { luma, alpha, w, h } = layers(data, width, region);
  const background = underlay(luma, alpha, width * height);
  // Ink touching an edge: the whole image, its background the median of its border.
  const opaque = !clear && alpha.every((a) => a === 255);
  const gray = opaque ? Float32Array.from(luma, (l) => f32(l / 255)) : blend(luma, alpha, background);
  const bg = clear ? background : borderMedian(gray, w, h);
  return normalizeDigit(ink(gray, bg), w, h, Math.max(width, height));
}

function alphaBox(data, width, height) {
  let left = width, top = height, right = -1, bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (data[(y * width + x) * 4 + 3] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return right < 0 ? null : { left, top, right: right + 1, bottom: bottom + 1 };
}

// Pillow's RGBA -> L (ITU-R 601 luma in 16-bit fixed point) and the alpha channel.
function layers(data, width, { left, top, right, bottom }) {
  const w = right - left, h = bottom - top;
  const luma = new Uint8Array(w * h), alpha = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const i = ((y + top) * width + x + left) * 4;
      luma[y * w + x] = (data[i] * 19595 + data[i + 1] * 38470 + data[i + 2] * 7471 + 0x8000) >> 16;
      alpha[y * w + x] = data[i + 3];
    }
  }
  return { luma, alpha, w, h };
}

function underlay(luma, alpha, pixels) {
  let opacity = 0, lit = 0;
  for (let i = 0; i < alpha.length; i += 1) {
    opacity += alpha[i];
    lit += luma[i] * alpha[i];
  }
  const mostlyTransparent = opacity < 0.5 * 255 * pixels;
  return mostlyTransparent && lit / (255 * opacity) >= 0.5 ? 0.0 : 1.0;
}

function blend(luma, alpha, background) {
  const gray = new Float32Array(luma.length);
  for (let i = 0; i < luma.length; i += 1) {
    const opacity = f32(alpha[i] / 255);
    gray[i] = f32(f32(f32(luma[i] / 255) * opacity) + f32(background * f32(1 - opacity)));
  }
  return gray;
}

function borderMedian(gray, w, h) {
  const border = [];
  for (let x = 0; x < w; x += 1) border.push(gray[x], gray[(h - 1) * w + x]);
  for (let y = 0; y < h; y += 1) border.push(gray[y * w], gray[y * w + w - 1]);
  border.sort((a, b) => a - b);
  const mid = border.length >> 1;
  return border.length % 2 ? border[mid] : f32((border[mid - 1] + border[mid]) / 2);
}

function ink(gray, background) {
  let dark = 0, light = 0;
  for (const g of gray) {
    dark = Math.max(dark, f32(background - g));
    light = Math.max(light, f32(g - background));
  }
  const sign = dark >= light ? 1 : -1;
  const contrast = dark >= light ? dark : light;
  if (contrast < MIN_CONTRAST) throw new EmptyDrawing(EMPTY);
  const floor = f32(NOISE_FLOOR * contrast);
  const out = new Float32Array(gray.length);
  for (let i = 0; i < gray.length; i += 1) {
    const value = f32(sign * f32(background - gray[i]));
    out[i] = Math.min(Math.max(f32(f32(value - floor) / f32(contrast - floor)), 0), 1);
  }
  return out;
}

function normalizeDigit(inkMap, w, h, extent) {
  let top = h, bottom = -1, left = w, right = -1;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      if (!(inkMap[y * w + x] > BBOX_THRESHOLD)) continue;
      top = Math.min(top, y);
      bottom = y;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  if (bottom < 0) throw new EmptyDrawing(EMPTY);
  const height = bottom + 1 - top, width = right + 1 - left;
  rejectSpecks(inkMap, w, { top, left, height, width }, extent);
  const crop = new Float32Array(width * height);
  for (let y = 0; y < height; y += 1) {
    crop.set(inkMap.subarray((y + top) * w + left, (y + top) * w + left + width), y * width);
  }
  const scale = DIGIT_BOX / Math.max(height, width);
  const outW = Math.max(1, roundHalfEven(width * scale));
  const outH = Math.max(1, roundHalfEven(height * scale));
  const patch = resizeLanczos(crop, width, height, outW, outH);
  for (let i = 0; i < patch.length; i += 1) patch[i] = Math.min(Math.max(patch[i], 0), 1);
  return placeByMass(patch, outW, outH);
}

function rejectSpecks(inkMap, w, { top, left, height, width }, extent) {
  const longer = Math.max(height, width);
  if (longer < Math.max(2, MIN_EXTENT * extent)) throw new EmptyDrawing(TOO_SMALL);
  let filled = 0;
  for (let y = top; y < top + height; y += 1) {
    for (let x = left; x < left + width; x += 1) if (inkMap[y * w + x] > BBOX_THRESHOLD) filled += 1;
  }
  const roundish = longer / Math.min(height, width) < DOT_ASPECT;
  const small = longer <= DOT_MAX_EXTENT * extent;
  if (roundish && small && filled / (height * width) > DOT_FILL && extent > SIDE) {
    throw new EmptyDrawing(TOO_SMALL);
  }
}

function sinc(x) {
  if (x === 0) return 1.0;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const lanczos = (x) => (x >= -LANCZOS_SUPPORT && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / 3) : 0.0);

// Pillow's precompute_coeffs: for each output pixel, its first input pixel and weights.
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1.0);
  const support = LANCZOS_SUPPORT * filterScale;
  const result = [];
  for (let xx = 0; xx < outSize; xx += 1) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const weights = [];
    let total = 0.0;
    for (let x = 0; x < xmax; x += 1) {
      const weight = lanczos((x + xmin - center + 0.5) / filterScale);
      weights.push(weight);
      total += weight;
    }
    result.push({ xmin, weights: weights.map((k) => (total !== 0 ? k / total : k)) });
  }
  return result;
}

// Pillow's two-pass resampling of a float image: horizontal first, over the rows used.
function resizeLanczos(src, w, h, outW, outH) {
  const horizontal = coefficients(w, outW), vertical = coefficients(h, outH);
  const first = vertical[0].xmin;
  const last = vertical[outH - 1].xmin + vertical[outH - 1].weights.length;
  let rows = src, rowOffset = 0;
  if (outW !== w) {
    rows = new Float32Array(outW * (last - first));
    for (let y = first; y < last; y += 1) {
      for (let xx = 0; xx < outW; xx += 1) {
        const { xmin, weights } = horizontal[xx];
        let sum = 0.0;
        for (let x = 0; x < weights.length; x += 1) sum += src[y * w + x + xmin] * weights[x];
        rows[(y - first) * outW + xx] = sum;
      }
    }
    rowOffset = first;
  }
  if (outH === h) return rows === src ? Float32Array.from(src) : rows;
  const out = new Float32Array(outW * outH);
  for (let yy = 0; yy < outH; yy += 1) {
    const { xmin, weights } = vertical[yy];
    for (let xx = 0; xx < outW; xx += 1) {
      let sum = 0.0;
      for (let y = 0; y < weights.length; y += 1) sum += rows[(y + xmin - rowOffset) * outW + xx] * weights[y];
      out[yy * outW + xx] = sum;
    }
  }
  return out;
}

function placeByMass(patch, w, h) {
  let total = 0, rowMass = 0, colMass = 0;
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const p = patch[y * w + x];
      total += p;
      rowMass += p * y;
      colMass += p * x;
    }
  }
  total = f32(total) || 1.0;
  const top = Math.min(Math.max(roundHalfEven(CENTER - rowMass / total), 0), SIDE - h);
  const left = Math.min(Math.max(roundHalfEven(CENTER - colMass / total), 0), SIDE - w);
  const field = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y += 1) field.set(patch.subarray(y * w, (y + 1) * w), (top + y) * SIDE + left);
  return field;
}

// The 784 grey levels the server stores (ml.preprocessing.to_uint8).
export function toLevels(pixels) {
  return Uint8Array.from(pixels, (p) => roundHalfEven(f32(Math.min(Math.max(p, 0), 1) * 255)));
}
