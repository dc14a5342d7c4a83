/**
 * FIFO counting semaphore with abortable waits. Acquiring a free permit is synchronous work
 * (no timer, no allocation beyond the resolved promise) to keep the common path cheap.
 */
export class Semaphore {
  #free: number;
  readonly #queue: Array<{ grant: () => void; fail: (reason: unknown) => void }> = [];

  constructor(permits: number) {
    this.#free = permits;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser());
        },
        fail: reject,
      };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next.grant();
      else this.#free++;
    };
  }
}
