// The lesson's two models and class names, shared by the Node programs and the browser page (no Node imports here).
import * as nr from '../../src/index.js';

/**
 * Class names by label: the order of `nr.datasets.fashionMnist.classNames` (written out here because
 * the datasets module is Node only; test/examples checks that the two agree).
 */
export const CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** A multi-layer perceptron: 784 → 256 → 128 → 10. */
export function mlp(): nr.Sequential {
  const L = nr.layers;
  return nr.sequential({
    name: 'fashion_mlp',
    layers: [
      L.flatten({ inputShape: [28, 28, 1] }),
      L.dense({ units: 256, activation: 'relu' }),
      L.dropout({ rate: 0.2 }),
      L.dense({ units: 128, activation: 'relu' }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** A small convolutional network: conv32-pool-conv64-pool-dense128-dense10, with dropout. */
export function cnn(): nr.Sequential {
  const L = nr.layers;
  return nr.sequential({
    name: 'fashion_cnn',
    layers: [
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dropout({ rate: 0.4 }),
      L.dense({ units: 128, activation: 'relu' }),
      L.dropout({ rate: 0.3 }),
      L.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}
