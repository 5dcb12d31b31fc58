// Hand-designed features for the "machine learning" half of the lesson: histograms of oriented gradients and pixel statistics.
//
// This is what a person designs in classic machine learning: which measurements of an image tell
// a shirt from a sneaker. A linear classifier then only weighs them. The deep-learning half of the
// page learns its own features (the CNN's filters) from the pixels instead.

/** Image side in pixels (Fashion-MNIST is 28 × 28). */
export const SIDE = 28;
/** HOG cell side in pixels: 7 × 7 cells of 4 × 4 pixels. */
const CELL = 4;
/** Orientation bins over 0..180° (unsigned gradients: a dark-to-light edge and its reverse alike). */
const BINS = 9;
const CELLS = SIDE / CELL;
/** Row and column profiles: the mean brightness of each row and of each column. */
const PROFILES = 2 * SIDE;
/** Global statistics: mean, standard deviation, fraction of bright pixels, bounding-box height and width. */
const STATS = 5;

/** Length of the feature vector of one image. */
export const FEATURE_LENGTH = CELLS * CELLS * BINS + PROFILES + STATS;

/**
 * The features of one 28 × 28 image (values in [0, 1], row-major) written into `out` at `offset`:
 * a HOG (per 4 × 4 cell, a 9-bin histogram of gradient orientation weighted by magnitude, each cell
 * L2-normalised), the row and column brightness profiles, and five global statistics.
 * @example const f = new Float32Array(FEATURE_LENGTH); imageFeatures(pixels, f, 0);
 */
export function imageFeatures(pixels: ArrayLike<number>, out: Float32Array, offset: number): void {
  const at = (r: number, c: number): number =>
    r < 0 || c < 0 || r >= SIDE || c >= SIDE ? 0 : pixels[r * SIDE + c];
  const hist = new Float32Array(CELLS * CELLS * BINS);
  for (let r = 0; r < SIDE; r++)
    for (let c = 0; c < SIDE; c++) {
      // central differences: the gradient of brightness
      const gx = at(r, c + 1) - at(r, c - 1);
      const gy = at(r + 1, c) - at(r - 1, c);
      const magnitude = Math.hypot(gx, gy);
      if (magnitude === 0) continue;
      let angle = Math.atan2(gy, gx); // -π..π
      if (angle < 0) angle += Math.PI; // unsigned: 0..π
      const bin = Math.min(BINS - 1, Math.floor((angle / Math.PI) * BINS));
      const cell = Math.floor(r / CELL) * CELLS + Math.floor(c / CELL);
      hist[cell * BINS + bin] += magnitude;
    }
  for (let cell = 0; cell < CELLS * CELLS; cell++) {
    let norm = 0;
    for (let b = 0; b < BINS; b++) norm += hist[cell * BINS + b] ** 2;
    norm = Math.sqrt(norm) + 1e-3; // NOTE: the epsilon keeps empty cells at zero instead of NaN
    for (let b = 0; b < BINS; b++) out[offset + cell * BINS + b] = hist[cell * BINS + b] / norm;
  }
  let o = offset + hist.length;
  let sum = 0;
  let sumSq = 0;
  let bright = 0;
  let [top, bottom, left, right] = [SIDE, -1, SIDE, -1];
  for (let r = 0; r < SIDE; r++) {
    let row = 0;
    for (let c = 0; c < SIDE; c++) {
      const v = pixels[r * SIDE + c];
      row += v;
      sum += v;
      sumSq += v * v;
      if (v > 0.5) bright++;
      if (v > 0.1) {
        top = Math.min(top, r);
        bottom = Math.max(bottom, r);
        left = Math.min(left, c);
        right = Math.max(right, c);
      }
    }
    out[o + r] = row / SIDE;
  }
  o += SIDE;
  for (let c = 0; c < SIDE; c++) {
    let col = 0;
    for (let r = 0; r < SIDE; r++) col += pixels[r * SIDE + c];
    out[o + c] = col / SIDE;
  }
  o += SIDE;
  const n = SIDE * SIDE;
  const mean = sum / n;
  out[o] = mean;
  out[o + 1] = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  out[o + 2] = bright / n;
  out[o + 3] = bottom < 0 ? 0 : (bottom - top + 1) / SIDE;
  out[o + 4] = right < 0 ? 0 : (right - left + 1) / SIDE;
}

/**
 * The features of `count` images stored one after another (28 × 28 each, values in [0, 1]).
 * @example const features = featureMatrix(pixels, 100); // 100 × FEATURE_LENGTH values
 */
export function featureMatrix(pixels: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * FEATURE_LENGTH);
  for (let i = 0; i < count; i++)
    imageFeatures(pixels.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE), out, i * FEATURE_LENGTH);
  return out;
}
