// Every op function, in one namespace (what Tensor methods and the public API call).
export * from './creation.js';
export * from './creation_ranked.js';
export * from './ranked_aliases.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './gather.js';
export * from './matmul.js';
export * from './conv.js';
export * from './pool.js';
export * from './nn.js';
export * from './image.js';
export * from './random.js';
export * from './fused.js';
export * from './array_ops.js';
export * from './space_batch.js';
export * from './search.js';
