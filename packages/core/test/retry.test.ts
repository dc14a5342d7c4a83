import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { NetworkError } from "../src/errors.js";
import { composeFetch } from "../src/fetch.js";
import { withRetry, type RetryInfo, type RetryOptions } from "../src/retry.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { realFetch, START, waitFor } from "./helpers.js";

let server: FaultServer;
let clock = createManualClock(START, { autoAdvance: true });
beforeAll(async () => {
  // The server reads the same clock the client sleeps on, so reset headers are exact.
  server = await startFaultServer({ now: () => clock.now() });
});
afterAll(() => server.close());

function client(options: RetryOptions = {}) {
  clock = createManualClock(START, { autoAdvance: true });
  return composeFetch(realFetch, withRetry({ random: () => 0.5, clock, ...options }));
}

describe("withRetry", () => {
  it("retries 503 until 200 with full-jitter exponential delays", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/flaky/2/503?t=jitter`));
    expect(res.status).toBe(200);
    expect(server.hits("/flaky/2/503?t=jitter")).toBe(3);
    // random 0.5 * 200 * 2^(n-1)
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it("keeps every delay within [0, min(maxDelayMs, base * 2^(n-1)))", async () => {
    const values = [0, 0.999, 0.25, 0.999, 0.999];
    let i = 0;
    const f = client({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 3000, random: () => values[i++] ?? 0 });
    const res = await f(new Request(`${server.url}/status/500?t=bounds`));
    expect(res.status).toBe(500);
    expect(server.hits("/status/500?t=bounds")).toBe(6);
    expect(clock.sleeps).toEqual([0, 0.999 * 2000, 0.25 * 3000, 0.999 * 3000, 0.999 * 3000]);
    const caps = [1000, 2000, 3000, 3000, 3000];
    clock.sleeps.forEach((d, n) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(caps[n] ?? 0);
    });
  });

  it("returns the last response as is when attempts run out", async () => {
    const f = client({ maxAttempts: 3 });
    const res = await f(new Request(`${server.url}/status/502?t=exhaust`));
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: "scripted", hit: 3 });
  });

  it("does not retry statuses outside retryOnStatus", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/status/400?t=no`));
    expect(res.status).toBe(400);
    expect(server.hits("/status/400?t=no")).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("honours Retry-After in seconds", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/retry-after/3?t=ra`));
    expect(res.status).toBe(200);
    expect(server.hits("/retry-after/3?t=ra")).toBe(2);
    expect(clock.sleeps).toEqual([3000]);
  });

  it("honours x-ratelimit-reset as epoch milliseconds (DFINERY)", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/reset-ms/2500?t=ms`));
    expect(res.status).toBe(200);
    expect(clock.sleeps).toEqual([2500]);
  });

  it("honours X-Rate-Limit-Reset as epoch seconds", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/reset-s/7?t=s`));
    expect(res.status).toBe(200);
    expect(clock.sleeps).toEqual([7000]);
  });

  it("does not wait when the server asks for more than maxRetryAfterMs: the 429 is surfaced", async () => {
    const f = client({ maxRetryAfterMs: 60_000 });
    const res = await f(new Request(`${server.url}/retry-after/120?t=cap`));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("120");
    expect(server.hits("/retry-after/120?t=cap")).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("bounds the sum of waits by maxTotalWaitMs", async () => {
    const f = client({ maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 100_000, maxTotalWaitMs: 5000, random: () => 1 });
    const res = await f(new Request(`${server.url}/status/503?t=total`));
    expect(res.status).toBe(503);
    // 1000 + 2000 = 3000; the next 4000 would pass 5000
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(server.hits("/status/503?t=total")).toBe(3);
  });

  it("does not retry a POST by default", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/echo/1?t=post`, { method: "POST", body: '{"a":1}' }));
    expect(res.status).toBe(503);
    expect(server.hits("/echo/1?t=post")).toBe(1);
  });

  it("retries a POST carrying an Idempotency-Key, resending the same body", async () => {
    const f = client();
    const body = JSON.stringify({ events: [{ name: "purchase", value: 42 }] });
    const res = await f(
      new Request(`${server.url}/echo/2?t=idem`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "idempotency-key": "k-1" },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: "POST", body, hit: 3, idempotencyKey: "k-1" });
    expect(server.hits("/echo/2?t=idem")).toBe(3);
  });

  it("keeps a PUT body across retries", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/echo/3?t=put`, { method: "PUT", body: "x".repeat(100_000) }));
    const echoed = (await res.json()) as { body: string; hit: number };
    expect(echoed.hit).toBe(4);
    expect(echoed.body).toBe("x".repeat(100_000));
  });

  it("lets the caller abort win during a backoff sleep", async () => {
    const manual = createManualClock(START);
    const f = composeFetch(realFetch, withRetry({ clock: manual, random: () => 0.5 }));
    const controller = new AbortController();
    const pending = f(new Request(`${server.url}/status/503?t=abort`, { signal: controller.signal }));
    await waitFor(() => manual.pending() === 1);
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.hits("/status/503?t=abort")).toBe(1);
    expect(manual.pending()).toBe(0);
  });

  it("turns connection resets into NetworkError after the last attempt", async () => {
    const f = client({ maxAttempts: 3 });
    const err = await f(new Request(`${server.url}/reset-conn/99?t=reset`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).kind).toBe("network");
    expect((err as NetworkError).cause).toBeInstanceOf(TypeError);
    expect(server.hits("/reset-conn/99?t=reset")).toBe(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it("recovers from a single connection reset", async () => {
    const f = client();
    const res = await f(new Request(`${server.url}/reset-conn/1?t=once`));
    expect(res.status).toBe(200);
    expect(server.hits("/reset-conn/1?t=once")).toBe(2);
  });

  it("reports each retry with a redacted URL", async () => {
    const seen: RetryInfo[] = [];
    const f = client({ onRetry: (info) => seen.push(info) });
    await f(new Request(`${server.url}/flaky/1/500?t=info&access_token=abc123`));
    expect(seen).toEqual([
      {
        attempt: 1,
        delayMs: 100,
        reason: "HTTP 500",
        method: "GET",
        url: `${server.url}/flaky/1/500?t=info&access_token=[REDACTED]`,
      },
    ]);
  });

  it("passes unsafe requests straight through (no clone)", async () => {
    const seen: Request[] = [];
    const f = composeFetch(
      (r) => {
        seen.push(r);
        return fetch(r);
      },
      withRetry({ clock: createManualClock(0, { autoAdvance: true }) }),
    );
    const request = new Request(`${server.url}/echo?t=through`, { method: "POST", body: "b" });
    await f(request);
    expect(seen[0]).toBe(request);
  });
});
