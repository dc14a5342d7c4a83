/**
 * Time as a dependency: retry and rate-limit waits go through a Clock so tests can run
 * minutes of backoff in milliseconds.
 */
import { onAbort } from "./abort.js";
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(
        () => {
          stopWatching?.();
          resolve();
        },
        Math.max(0, ms),
      );
      const stopWatching =
        signal &&
        onAbort(signal, () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
    });
  },
};

export interface ManualClock extends Clock {
  /** Moves time forward, firing due sleeps in deadline order (and sleeps they schedule). */
  advance(ms: number): Promise<void>;
  /** Number of sleeps still waiting. */
  pending(): number;
  /** Every duration passed to `sleep`, in call order: lets tests assert exact waits. */
  readonly sleeps: readonly number[];
}

export interface ManualClockOptions {
  /**
   * When true, every `sleep` moves time forward by its duration at once and resolves on the
   * next microtask. Handy for strictly sequential flows (a retry loop); use the default
   * manual mode for concurrent waits.
   */
  autoAdvance?: boolean;
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** A clock that only moves when told to. Exported so vendor packages can test their waits. */
export function createManualClock(start = 0, options: ManualClockOptions = {}): ManualClock {
  let now = start;
  let seq = 0;
  const timers: Timer[] = [];
  const sleeps: number[] = [];

  const flushMicrotasks = async (): Promise<void> => {
    // A few turns let code that resumes after a sleep schedule its next sleep before we
    // decide which timer is due next.
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  return {
    sleeps,
    now: () => now,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (options.autoAdvance) {
        now += Math.max(0, ms);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const timer: Timer = {
          at: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            stopWatching?.();
            resolve();
          },
        };
        const stopWatching =
          signal &&
          onAbort(signal, () => {
            const i = timers.indexOf(timer);
            if (i >= 0) timers.splice(i, 1);
            reject(signal.reason);
          });
        timers.push(timer);
      });
    },
    async advance(ms: number): Promise<void> {
      const target = now + ms;
      await flushMicrotasks();
      for (;;) {
        let next: Timer | undefined;
        for (const t of timers) {
          if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
        }
        if (!next) break;
        timers.splice(timers.indexOf(next), 1);
        now = Math.max(now, next.at);
        next.resolve();
        await flushMicrotasks();
      }
      now = target;
      await flushMicrotasks();
    },
    pending: () => timers.length,
  };
}
