// The control: what the specs get for `../index` when real tfjs (tfjs-core 4.22 + the cpu backend) is under test.
// Like the @tensorflow/tfjs package users import: core, its gradients and chained tensor methods, and the cpu backend.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-backend-cpu';
export * from '@tensorflow/tfjs-core/dist/index.js';
