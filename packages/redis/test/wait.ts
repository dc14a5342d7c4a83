import type { DeliveryCounts } from "../src/index.js";

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs` (every wait in the tests is bounded). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Until nothing is waiting, running or delayed: every job has completed, been dead-lettered or failed. */
export async function drained(queue: { counts(): Promise<DeliveryCounts> }, timeoutMs = 20_000): Promise<void> {
  let last: DeliveryCounts | undefined;
  await until(
    async () => {
      // Redis may be restarting (the kill test): an unanswered count is "not yet".
      last = await queue.counts().catch(() => undefined);
      return last !== undefined && last.waiting + last.active + last.delayed === 0;
    },
    timeoutMs,
    () => `the queue to drain (last counts ${JSON.stringify(last)})`,
  );
}
