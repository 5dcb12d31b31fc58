// The control's seedrandom: tfjs's ES-module build does `import * as seedrandom`, which needs named exports of this CJS package.
import seedrandom from 'seedrandom';
export const alea = seedrandom.alea;
export default seedrandom;
