// Names whose meaning changed with Keras 3: files from Keras 2 and TensorFlow.js are read with their old meaning.

/** Config keys whose value names an activation (snake_case as in files, camelCase once converted). */
const ACTIVATION_KEYS = new Set(['activation', 'recurrent_activation', 'recurrentActivation']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether a file's Keras version means pre-Keras-3 semantics: tfjs-layers (which follows Keras 2) and
 * Keras/tf.keras 2.x, but not Keras 3 nor files neurite wrote itself (which use Keras 3's meanings).
 * @example isLegacyKeras('tfjs-layers 4.22.0') // true
 */
export function isLegacyKeras(kerasVersion: unknown): boolean {
  if (typeof kerasVersion !== 'string') return false;
  if (kerasVersion.includes('neurite')) return false;
  if (kerasVersion.startsWith('tfjs-layers')) return true;
  const major = Number.parseInt(kerasVersion, 10);
  return Number.isInteger(major) && major < 3;
}

/**
 * Rewrites, in place, the activations of a layer config whose meaning Keras 3 changed:
 * 'hard_sigmoid' (clip(0.2x + 0.5) in Keras 2 and tfjs; relu6(x + 3) / 6 in Keras 3) becomes
 * 'hard_sigmoid_legacy'. Iterative, so it is safe on configs of any depth (their depth is checked first).
 * @example useLegacyActivations(topology) // {activation: 'hard_sigmoid'} -> 'hard_sigmoid_legacy'
 */
export function useLegacyActivations(config: unknown): void {
  const stack: unknown[] = [config];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (Array.isArray(v)) stack.push(...v);
    else if (isObj(v))
      for (const [k, child] of Object.entries(v)) {
        if (ACTIVATION_KEYS.has(k) && (child === 'hard_sigmoid' || child === 'hardSigmoid'))
          v[k] = 'hard_sigmoid_legacy';
        else stack.push(child);
      }
  }
}
