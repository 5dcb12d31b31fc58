// The rule table: every primitive's forward and VJP, gathered from the op family files.
import type { Primitive, Rule, RuleTable } from '../core/primitives.js';
import { complexRules } from './complex_view.js';
import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { gatherRules } from './gather.js';
import { imageRules } from './image.js';
import { matmulRules } from './matmul.js';
import { optimizerRules } from './optimizer_rules.js';
import { movementRules } from './movement.js';
import { poolRules } from './pool.js';
import { randomRules } from './random.js';
import { reduceRules } from './reduce.js';
import { softmaxRules } from './softmax.js';
import { spectralRules } from './spectral.js';

let table: RuleTable | null = null;

/** Built on first use, so that module evaluation order never matters. */
function rules(): RuleTable {
  table ??= {
    ...elementwiseRules,
    ...reduceRules,
    ...movementRules,
    ...gatherRules,
    ...matmulRules,
    ...convRules,
    ...poolRules,
    ...imageRules,
    ...randomRules,
    ...optimizerRules,
    ...softmaxRules,
    ...complexRules,
    ...spectralRules,
  };
  return table;
}

/** The rule of one primitive. */
export function ruleFor<P extends Primitive>(prim: P): Rule<P> {
  return rules()[prim];
}
