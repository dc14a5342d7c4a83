import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, systemClock } from "../src/clock.js";
import { NetworkError, TimeoutError } from "../src/errors.js";
import { composeFetch, type FetchLayer } from "../src/fetch.js";
import { createPolicyFetch } from "../src/policy.js";
import { Redactor } from "../src/redact.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { START, TRANSPORTS } from "./helpers.js";

let server: FaultServer;
let clock = createManualClock(START, { autoAdvance: true });
beforeAll(async () => {
  server = await startFaultServer({ now: () => clock.now() });
});
afterAll(() => server.close());

describe.each(TRANSPORTS)("createPolicyFetch (%s transport)", (transport) => {
  it("retries with defaults and returns the final response", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const f = createPolicyFetch({ vendor: "acme", transport, clock, retry: { random: () => 0.5 } });
    const res = await f(new Request(`${server.url}/flaky/1/503?t=p1-${transport}`));
    expect(await res.json()).toEqual({ ok: true, hit: 2 });
    expect(clock.sleeps).toEqual([100]);
  });

  it("throws NetworkError with the vendor name after retries on connection resets", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const f = createPolicyFetch({ vendor: "acme", transport, clock, retry: { maxAttempts: 2 } });
    const err = await f(new Request(`${server.url}/reset-conn/99?t=p2-${transport}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ vendor: "acme", method: "GET", kind: "network" });
    expect(server.hits(`/reset-conn/99?t=p2-${transport}`)).toBe(2);
  });

  it("throws NetworkError without retry too", async () => {
    const f = createPolicyFetch({ vendor: "acme", transport, retry: false });
    await expect(f(new Request(`${server.url}/reset-conn/99?t=p3-${transport}`))).rejects.toBeInstanceOf(NetworkError);
  });

  it("applies the per-attempt timeout to every attempt, then surfaces TimeoutError", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    // 150 ms per attempt: long enough for each attempt to reach the server on a loaded machine.
    const f = createPolicyFetch({ vendor: "acme", transport, clock, timeoutMs: 150, retry: { maxAttempts: 2 } });
    const err = await f(new Request(`${server.url}/slow-headers/2000?t=p4-${transport}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ scope: "request", vendor: "acme" });
    expect(server.hits(`/slow-headers/2000?t=p4-${transport}`)).toBe(2);
  });

  it("bounds the whole call with totalTimeoutMs (scope total) and lets the caller abort win", async () => {
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock: systemClock,
      timeoutMs: 30,
      totalTimeoutMs: 120,
      retry: { baseDelayMs: 10, maxAttempts: 50 },
    });
    const err = await f(new Request(`${server.url}/slow-headers/1000?t=p8-${transport}`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "TimeoutError", scope: "total", timeoutMs: 120, vendor: "acme" });
    const controller = new AbortController();
    const reason = new Error("mine");
    setTimeout(() => controller.abort(reason), 20);
    await expect(f(new Request(`${server.url}/slow-headers/1000?t=p9-${transport}`, { signal: controller.signal }))).rejects.toBe(reason);
  });

  it("rate limits inside retry: a server 429 blocks the key and the retry waits it out", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock,
      rateLimit: { rules: { all: { limit: 100, intervalMs: 1000 } }, scopeFor: () => "all" },
    });
    const res = await f(new Request(`${server.url}/reset-ms/3000?t=p5-${transport}`));
    expect(res.status).toBe(200);
    // retry sleeps 3000 for the reset; the limiter finds the key free again by then
    expect(clock.sleeps).toEqual([3000]);
  });

  it("logs retries through the redactor", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const secret = "sk_test_abcdef123456";
    const lines: string[] = [];
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock,
      redactor: new Redactor({ secrets: [secret] }),
      logger: { warn: (msg, fields) => lines.push(msg + JSON.stringify(fields)) },
    });
    await f(
      new Request(`${server.url}/flaky/1/500?t=p6-${transport}&access_token=${secret}`, { headers: { authorization: `Bearer ${secret}` } }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("retrying GET");
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("accepts globalThis.fetch-shaped functions", async () => {
    const f = createPolicyFetch({ vendor: "acme", fetch: globalThis.fetch, retry: false, timeoutMs: 0, totalTimeoutMs: 0 });
    const res = await f(new Request(`${server.url}/malformed-json?t=p7-${transport}`));
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toBeInstanceOf(SyntaxError);
  });
});

describe("composeFetch", () => {
  it("runs the first layer outermost", async () => {
    const order: string[] = [];
    const tag =
      (name: string): FetchLayer =>
      (next) =>
      async (request) => {
        order.push(`>${name}`);
        const res = await next(request);
        order.push(`<${name}`);
        return res;
      };
    const f = composeFetch(async () => new Response("ok"), tag("a"), tag("b"));
    await f(new Request("http://localhost/"));
    expect(order).toEqual([">a", ">b", "<b", "<a"]);
  });
});

describe("createManualClock", () => {
  it("fires sleeps in deadline order when advanced", async () => {
    const c = createManualClock(100);
    const fired: string[] = [];
    void c.sleep(50).then(() => fired.push("b"));
    void c.sleep(20).then(() => fired.push("a"));
    expect(c.pending()).toBe(2);
    await c.advance(30);
    expect(fired).toEqual(["a"]);
    expect(c.now()).toBe(130);
    await c.advance(30);
    expect(fired).toEqual(["a", "b"]);
    expect(c.pending()).toBe(0);
  });

  it("rejects a sleep with the abort reason", async () => {
    const c = createManualClock();
    const controller = new AbortController();
    const p = c.sleep(1000, controller.signal);
    controller.abort("stop");
    await expect(p).rejects.toBe("stop");
    expect(c.pending()).toBe(0);
  });
});
