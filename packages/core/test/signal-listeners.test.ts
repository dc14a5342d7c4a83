/**
 * A caller that hands every call one long-lived signal (a worker's shutdown signal, a CLI's Ctrl-C) must
 * not collect a listener per call: Node warns past 10 and keeps every closure alive until the signal
 * dies. The layers watch a signal through one shared listener (src/abort.ts) and stop watching when
 * their wait ends.
 */
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBatches, type Batch } from "../src/batch.js";
import { LightRequest } from "../src/call.js";
import { systemClock } from "../src/clock.js";
import { createPolicyFetch } from "../src/policy.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { TRANSPORTS } from "./helpers.js";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;
// What the typed verbs hand the policies. (Node's own Request links to a signal's parent until the
// request is garbage-collected, which would hide what this test looks for.)
const request = (url: string, init: RequestInit): Request => new LightRequest(url, init) as unknown as Request;

describe.each(TRANSPORTS)("a long-lived caller signal keeps no listeners (%s transport)", (transport) => {
  it("after calls that succeed, retry, wait for a token or a slot, and stream their body", async () => {
    const caller = new AbortController();
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock: systemClock,
      retry: { random: () => 0, baseDelayMs: 1, maxDelayMs: 2 },
      // 40 calls through a 20-per-50 ms window with 2 slots: most calls wait for a token and a slot.
      rateLimit: { rules: { all: { limit: 20, intervalMs: 50, maxConcurrent: 2 } }, scopeFor: () => "all" },
      operationFor: (request) => (new URL(request.url).pathname === "/slow-body/1" ? { successBody: "stream" } : undefined),
    });
    const paths = ["/ok", "/flaky/1/503", "/slow-body/1", "/reset-conn/1"];
    await Promise.all(
      Array.from({ length: 40 }, async (_, n) => {
        const response = await f(request(`${server.url}${paths[n % paths.length]}?t=l-${transport}-${n}`, { signal: caller.signal }));
        await response.arrayBuffer();
      }),
    );
    expect(listeners(caller.signal)).toBeLessThanOrEqual(1);
  });

  it("after calls that fail for good, time out, or are refused by the rate limit", async () => {
    const caller = new AbortController();
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock: systemClock,
      timeoutMs: 50,
      retry: false,
      rateLimit: { rules: { all: { limit: 2, intervalMs: 60_000 } }, scopeFor: () => "all", maxWaitMs: 1 },
    });
    const outcomes = await Promise.allSettled(
      ["/status/400", "/slow-headers/500", "/ok", "/ok"].map((path, n) =>
        f(request(`${server.url}${path}?t=f-${transport}-${n}`, { signal: caller.signal })).then((r) => r.arrayBuffer()),
      ),
    );
    // Two calls took the window's tokens (one answered 400, one timed out); the other two were refused.
    expect(outcomes.filter((o) => o.status === "rejected").length).toBeGreaterThanOrEqual(3);
    expect(listeners(caller.signal)).toBeLessThanOrEqual(1);
  });

  it("after a batch run of many requests under one signal", async () => {
    const caller = new AbortController();
    const f = createPolicyFetch({ vendor: "acme", transport, clock: systemClock });
    const send = async (batch: Batch<number>, signal: AbortSignal | undefined): Promise<void> => {
      const body = JSON.stringify(batch.entries.map((entry) => entry.item));
      const response = await f(request(`${server.url}/ok?t=b-${transport}`, { method: "POST", body, ...(signal ? { signal } : {}) }));
      await response.arrayBuffer();
    };
    const items = Array.from({ length: 500 }, (_, n) => n);
    const report = await runBatches(
      items,
      { vendor: "acme", limits: { maxItems: 5 }, prepare: (n: number) => n, send },
      { signal: caller.signal, concurrency: 4 },
    );
    expect(report.accepted).toBe(500);
    expect(listeners(caller.signal)).toBeLessThanOrEqual(1);
  });
  it("50 calls in flight on one signal share one listener, and an abort still ends every one of them", async () => {
    const caller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const f = createPolicyFetch({ vendor: "acme", transport, clock: systemClock, retry: false });
      const calls = Array.from({ length: 50 }, (_, n) =>
        f(request(`${server.url}/slow-headers/5000?t=c-${transport}-${n}`, { signal: caller.signal })),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(listeners(caller.signal)).toBe(1);
      caller.abort(new Error("shutting down"));
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : "fulfilled"))).toEqual(
        Array.from({ length: 50 }, () => "Error: shutting down"),
      );
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
