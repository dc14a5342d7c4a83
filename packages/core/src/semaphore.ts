/**
 * FIFO counting semaphore with abortable waits. Acquiring a free permit is synchronous work
 * (no timer, no allocation beyond the resolved promise) to keep the common path cheap.
 */
import { onAbort } from "./abort.js";
export class Semaphore {
  #free: number;
  readonly #queue: Array<{ grant: () => void; fail: (reason: unknown) => void }> = [];

  constructor(permits: number) {
    this.#free = permits;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves with a release function (call it exactly once). `timeout`: give up waiting after
   * `ms` with the error it makes (the timer exists only while actually queued).
   */
  acquire(signal?: AbortSignal, timeout?: { ms: number; error: () => unknown }): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    if (timeout !== undefined && timeout.ms <= 0) return Promise.reject(timeout.error());
    return new Promise<() => void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const entry = {
        grant: () => {
          stopWatching?.();
          if (timer !== undefined) clearTimeout(timer);
          resolve(this.#releaser());
        },
        fail: reject,
      };
      const leave = (reason: unknown): void => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
        stopWatching?.();
        if (timer !== undefined) clearTimeout(timer);
        reject(reason);
      };
      const stopWatching = signal && onAbort(signal, () => leave(signal.reason));
      if (timeout !== undefined) timer = setTimeout(() => leave(timeout.error()), timeout.ms);
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
