// tf.nextFrame: yields to the event loop (the browser's next animation frame), so long loops let the page or process breathe.

/**
 * Resolves at the next animation frame in a browser, on the next turn of the event loop elsewhere.
 * @example for (let i = 0; i < 100; i++) { await trainStep(); await nr.nextFrame(); }
 */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => void })
      .requestAnimationFrame;
    if (typeof raf === 'function') raf(() => resolve());
    else setTimeout(resolve, 0);
  });
}
