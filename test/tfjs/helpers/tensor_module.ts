// What specs importing tfjs's `./tensor` get when neurite is under test: neurite's public Tensor and Variable classes.
export { Tensor, Variable } from '../../../src/node.js';
