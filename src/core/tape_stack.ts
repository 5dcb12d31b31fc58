// The stack of active gradient tapes: what grad/valueAndGrad push, noGrad pauses, and every primitive records on.
import type { Tape } from '../autograd/tape.js';
import type { Tensor } from './tensor.js';

/** The backward closure of one recorded op (see Tape.record). @example const back: Backward = ([dy]) => [dy.neg()]; */
export type Backward = Parameters<Tape['record']>[2];

/**
 * Active tapes, innermost last. Ops record on every active tape unless recording is paused (noGrad,
 * customGrad's forward); nested grads each see the ops of their own scope.
 * @example
 * ENGINE.tapeStack.during(tape, () => f());
 */
export class TapeStack {
  private readonly tapes: Tape[] = [];
  /** > 0 while paused: nothing is recorded. */
  private pausedDepth = 0;

  /** Whether an op run now is recorded: some tape is active and recording is not paused. */
  get recording(): boolean {
    return this.tapes.length > 0 && this.pausedDepth === 0;
  }

  /** Runs fn with `tape` active (innermost); the tape is removed however fn ends. */
  during<T>(tape: Tape, fn: () => T): T {
    this.tapes.push(tape);
    try {
      return fn();
    } finally {
      this.tapes.splice(this.tapes.indexOf(tape), 1);
    }
  }

  /** Runs fn with recording paused (noGrad). */
  paused<T>(fn: () => T): T {
    this.pausedDepth++;
    try {
      return fn();
    } finally {
      this.pausedDepth--;
    }
  }

  /** Records one op on every active tape (each keeps it only if it watches an input); no-op when paused. */
  record(
    inputs: readonly Tensor[],
    outputs: readonly Tensor[],
    backward: Backward,
    extra: readonly Tensor[] = [],
  ): void {
    if (!this.recording) return;
    for (const tape of this.tapes) tape.record(inputs, outputs, backward, extra);
  }

  /** Notes an op without a gradient on every active tape: its watched inputs were used inside f. */
  touch(inputs: readonly Tensor[]): void {
    if (!this.recording) return;
    for (const tape of this.tapes) tape.touch(inputs);
  }
}
