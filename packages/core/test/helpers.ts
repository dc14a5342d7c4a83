import type { FetchLike } from "../src/fetch.js";

/** Real-time polling for conditions that depend on sockets (not on the manual clock). */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("waitFor: condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** globalThis.fetch behind the FetchLike shape. */
export const realFetch: FetchLike = (request) => fetch(request);

export const START = 1_700_000_000_000;

/** The transports every behaviour must hold on: the Node transport (the default on Node) and fetch. */
export const TRANSPORTS = ["node", "fetch"] as const;
