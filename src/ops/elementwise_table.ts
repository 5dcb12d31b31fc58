// The elementwise table moved beside the contract (core/elementwise_table.ts); this path keeps old imports working.
export * from '../core/elementwise_table.js';
