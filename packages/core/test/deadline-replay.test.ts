import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, systemClock } from "../src/clock.js";
import { createCall, replayableBodyOf, ReplayableRequest } from "../src/call.js";
import { RateLimitError, TimeoutError } from "../src/errors.js";
import { createOperationIndex } from "../src/operations.js";
import { createPolicyFetch } from "../src/policy.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { START, TRANSPORTS } from "./helpers.js";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

const post = (url: string, body: string): Request =>
  new ReplayableRequest(url, { method: "POST", body, headers: { "idempotency-key": "k1", "content-type": "application/json" } });

describe.each(TRANSPORTS)("replayable bodies (%s transport)", (transport) => {
  it("remembers string bodies and leaves streams alone", () => {
    expect(replayableBodyOf(post("http://localhost/x", '{"a":1}'))).toBe('{"a":1}');
    const stream = new ReadableStream({ start: (c) => c.close() });
    const streamed = new ReplayableRequest("http://localhost/x", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(replayableBodyOf(streamed)).toBeUndefined();
  });

  it("a retried POST re-sends the same bytes on every attempt", async () => {
    const clock = createManualClock(START, { autoAdvance: true });
    const f = createPolicyFetch({ vendor: "acme", transport, clock, retry: { random: () => 0 } });
    const request = post(`${server.url}/echo/2?t=r1-${transport}`, '{"event":"purchase"}');
    const res = await f(request);
    expect(await res.json()).toMatchObject({ method: "POST", body: '{"event":"purchase"}', hit: 3 });
    expect(server.hits(`/echo/2?t=r1-${transport}`)).toBe(3);
    // The request's own stream was never read: the bytes went in beside it.
    expect(request.bodyUsed).toBe(false);
  });

  it("a retried POST re-sends the same bytes through a caller-supplied fetch too", async () => {
    const clock = createManualClock(START, { autoAdvance: true });
    const seen: string[] = [];
    const f = createPolicyFetch({
      vendor: "acme",
      clock,
      retry: { random: () => 0 },
      // Called like any fetch implementation (an undici fetch with its own Agent): URL and a plain init.
      fetch: (async (url: string, init: RequestInit) => {
        seen.push(String(init.body));
        return globalThis.fetch(url, init);
      }) as unknown as typeof globalThis.fetch,
    });
    const res = await f(post(`${server.url}/echo/1?t=r2-${transport}`, "payload-1"));
    expect(await res.json()).toMatchObject({ body: "payload-1", hit: 2 });
    expect(seen).toEqual(["payload-1", "payload-1"]);
  });
});

describe.each(TRANSPORTS)("the total deadline of createPolicyFetch (%s transport)", (transport) => {
  it("returns the last answer instead of sleeping past the deadline", async () => {
    // Retry-After 5 s against a 300 ms total: waiting cannot finish in time, so the 429 comes back now.
    const f = createPolicyFetch({ vendor: "acme", transport, clock: systemClock, totalTimeoutMs: 300, retry: { maxRetryAfterMs: 60_000 } });
    const started = Date.now();
    const res = await f(new Request(`${server.url}/retry-after/5?t=d1-${transport}`));
    expect(res.status).toBe(429);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.hits(`/retry-after/5?t=d1-${transport}`)).toBe(1);
  });

  it("a token wait past the deadline is a RateLimitError naming the total timeout", async () => {
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock: systemClock,
      totalTimeoutMs: 200,
      retry: false,
      rateLimit: { rules: { all: { limit: 1, intervalMs: 10_000 } }, scopeFor: () => "all" },
    });
    expect((await f(new Request(`${server.url}/ok?t=d2-${transport}`))).status).toBe(200);
    const err = await f(new Request(`${server.url}/ok?t=d2-${transport}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as Error).message).toContain("after the total timeout");
    expect(server.hits(`/ok?t=d2-${transport}`)).toBe(1);
  });

  it("waiting for a concurrency slot ends at the deadline with TimeoutError(total)", async () => {
    // Wide margins (100 ms against 600 ms, 2 s against 600 ms): a loaded CI machine must not flip the outcome.
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock: systemClock,
      totalTimeoutMs: 600,
      retry: false,
      rateLimit: { rules: { all: { limit: 100, intervalMs: 1000, maxConcurrent: 1 } }, scopeFor: () => "all" },
    });
    const first = f(new Request(`${server.url}/slow-headers/100?t=d3-${transport}`));
    const second = await f(new Request(`${server.url}/ok?t=d3-${transport}`)).catch((e: unknown) => e);
    expect((await first).status).toBe(200);
    // The slot came free after ~100 ms, inside the second call's 600 ms: it went through.
    expect(second).toBeInstanceOf(Response);

    const slow = f(new Request(`${server.url}/slow-headers/2000?t=d4-${transport}`)).catch((e: unknown) => e);
    const waiting = await f(new Request(`${server.url}/ok?t=d4-${transport}`)).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(TimeoutError);
    expect(waiting).toMatchObject({ scope: "total", timeoutMs: 600 });
    expect(server.hits(`/ok?t=d4-${transport}`)).toBe(0);
    expect(await slow).toMatchObject({ name: "TimeoutError", scope: "total" });
  });

  it("a request timeout longer than what is left of the total reports the total", async () => {
    const f = createPolicyFetch({ vendor: "acme", transport, clock: systemClock, timeoutMs: 5000, totalTimeoutMs: 80, retry: false });
    const err = await f(new Request(`${server.url}/slow-headers/1000?t=d5-${transport}`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "TimeoutError", scope: "total", timeoutMs: 80 });
  });
});

describe("the call", () => {
  it("carries the operation the client knows, whatever the URL; a request built by hand is found by URL", () => {
    const ops = [
      { method: "POST", path: "/a", security: [], idempotent: true },
      { method: "GET", path: "/items/{id}", security: [], idempotent: true },
    ] as const;
    const index = createOperationIndex(ops, "https://api.example.com/v1");
    const odd = new Request("https://api.example.com/v1/elsewhere", { method: "POST" });
    expect(index.findRequest(odd)).toBeUndefined();
    const call = createCall(odd, { operation: ops[0] });
    expect(call).toMatchObject({ operation: ops[0], safeToRepeat: true, attempt: 1, deadline: undefined });
    expect(index.findRequest(new Request("https://api.example.com/v1/items/42"))).toBe(ops[1]);
  });
});
