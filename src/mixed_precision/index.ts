// Mixed precision (nr.mixedPrecision): dtype policies, loss scaling, and binary16 rounding helpers.
export {
  DTypePolicy,
  type DTypePolicyConfig,
  type DTypePolicyLike,
  type PolicyName,
  getGlobalPolicy,
  policyFrom,
  setGlobalPolicy,
} from './policy.js';
export { LossScaleOptimizer, type LossScaleOptimizerArgs } from './loss_scale_optimizer.js';
export { f16round, FLOAT16_MAX, FLOAT16_MIN_SUBNORMAL, roundToFloat16 } from '../core/float16.js';
