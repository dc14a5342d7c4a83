import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock, systemClock, type Clock } from "../src/clock.js";
import { RateLimitError } from "../src/errors.js";
import { composeFetch, type FetchLike } from "../src/fetch.js";
import { MemoryRateLimitStore, withRateLimit, type RateLimitOptions, type RateLimitStore } from "../src/rate-limit.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { START, waitFor } from "./helpers.js";
import { inFlightCounter, rateLimitStoreCases } from "@cdpkit/testkit";

let server: FaultServer;
let clock = createManualClock(START, { autoAdvance: true });
beforeAll(async () => {
  server = await startFaultServer({ now: () => clock.now() });
});
afterAll(() => server.close());

/** Real fetch that records the clock reading at which each request left. */
function recording(c: Clock): { fetch: FetchLike; sentAt: number[] } {
  const sentAt: number[] = [];
  return {
    sentAt,
    fetch: (request) => {
      sentAt.push(c.now() - START);
      return fetch(request);
    },
  };
}

function limited(options: Partial<RateLimitOptions> & Pick<RateLimitOptions, "rules">, c: Clock = clock) {
  const rec = recording(c);
  const f = composeFetch(rec.fetch, withRateLimit({ scopeFor: () => "default", clock: c, ...options }));
  return { f, sentAt: rec.sentAt };
}

describe("withRateLimit", () => {
  it("spaces requests: no window of intervalMs carries more than limit", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f, sentAt } = limited({ rules: { default: { limit: 2, intervalMs: 1000 } } });
    for (let i = 0; i < 5; i++) await f(new Request(`${server.url}/ok?t=spacing`));
    expect(sentAt).toEqual([0, 0, 1000, 1000, 2000]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it("serves concurrent waiters in order on a manual clock", async () => {
    clock = createManualClock(START);
    const { f, sentAt } = limited({ rules: { default: { limit: 1, intervalMs: 500 } } });
    const all = Promise.all([0, 1, 2].map(() => f(new Request(`${server.url}/ok?t=concurrent`))));
    await waitFor(() => sentAt.length === 1 && clock.pending() === 1);
    await clock.advance(500);
    await waitFor(() => sentAt.length === 2 && clock.pending() === 1);
    await clock.advance(500);
    await all;
    expect(sentAt).toEqual([0, 500, 1000]);
  });

  it("limits requests in flight with maxConcurrent", async () => {
    const counter = inFlightCounter();
    const base: FetchLike = counter.fetch;
    const f = composeFetch(
      base,
      withRateLimit({ rules: { s: { limit: 100, intervalMs: 1000, maxConcurrent: 2 } }, scopeFor: () => "s", clock: systemClock }),
    );
    const responses = await Promise.all(Array.from({ length: 6 }, () => f(new Request(`${server.url}/slow-headers/20?t=conc`))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(counter.peak()).toBe(2);
    expect(server.hits("/slow-headers/20?t=conc")).toBe(6);
  });

  it("shares maxConcurrent between limiters through a store that leases slots", async () => {
    const counter = inFlightCounter();
    const base: FetchLike = counter.fetch;
    // Two "processes" (two limiters) with one store whose leases are counted across both.
    const leased = new Set<number>();
    let seq = 0;
    const store = new MemoryRateLimitStore();
    const shared: RateLimitStore = {
      take: (key, rule, now) => store.take(key, rule, now),
      observe: (key, info, now) => store.observe(key, info, now),
      acquireSlot: async (_key, rule) => {
        if (leased.size >= rule.maxConcurrent) return { granted: false, waitMs: 5 };
        const id = seq++;
        leased.add(id);
        return { granted: true, release: async () => void leased.delete(id) };
      },
    };
    const rules = { s: { limit: 100, intervalMs: 1000, maxConcurrent: 2 } };
    const [a, b] = [0, 1].map(() => composeFetch(base, withRateLimit({ rules, scopeFor: () => "s", clock: systemClock, store: shared })));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a! : b!)(new Request(`${server.url}/slow-headers/20?t=lease`))),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    // each limiter alone would allow 2 in flight: 4 together without the shared slots
    expect(counter.peak()).toBe(2);
    expect(leased.size).toBe(0);
  });

  it("blocks the key until reset when the server says remaining 0", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f, sentAt } = limited({ rules: { default: { limit: 100, intervalMs: 1000 } } });
    await f(new Request(`${server.url}/budget?remaining=0&resetIn=5000&t=block`));
    await f(new Request(`${server.url}/budget?t=block`));
    expect(sentAt).toEqual([0, 5000]);
    expect(clock.sleeps).toEqual([5000]);
  });

  it("lowers local tokens to the remaining the server reports", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f, sentAt } = limited({ rules: { default: { limit: 10, intervalMs: 1000 } } });
    await f(new Request(`${server.url}/budget?remaining=1&resetIn=3000&t=lower`));
    await f(new Request(`${server.url}/budget?t=lower`));
    await f(new Request(`${server.url}/budget?t=lower`));
    // one request left in the server's window: the third waits for the server's reset even
    // though the local rule would allow it at once
    expect(sentAt).toEqual([0, 0, 3000]);
    expect(clock.sleeps).toEqual([3000]);
  });

  it("treats a 429 with Retry-After as a block for the key", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f, sentAt } = limited({ rules: { default: { limit: 100, intervalMs: 1000 } } });
    const first = await f(new Request(`${server.url}/retry-after/4?t=429`));
    expect(first.status).toBe(429);
    await f(new Request(`${server.url}/retry-after/4?t=429`));
    expect(sentAt).toEqual([0, 4000]);
  });

  it("throws RateLimitError instead of waiting past maxWaitMs", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f } = limited({ rules: { default: { limit: 1, intervalMs: 60_000 } }, maxWaitMs: 1000, vendor: "acme" });
    await f(new Request(`${server.url}/ok?t=maxwait`));
    const err = await f(new Request(`${server.url}/ok?t=maxwait`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ kind: "rate_limit", vendor: "acme", retryAfterMs: 60_000, vendorCode: "client_rate_limit" });
    expect(server.hits("/ok?t=maxwait")).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("shares one budget between limiters using the same store", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const store = new MemoryRateLimitStore();
    const rules = { default: { limit: 2, intervalMs: 1000 } };
    const a = limited({ rules, store, keyPrefix: "acme:svc1:" });
    const b = limited({ rules, store, keyPrefix: "acme:svc1:" });
    const other = limited({ rules, store, keyPrefix: "acme:svc2:" });
    await a.f(new Request(`${server.url}/ok?t=shared`));
    await b.f(new Request(`${server.url}/ok?t=shared`));
    await other.f(new Request(`${server.url}/ok?t=shared`));
    await other.f(new Request(`${server.url}/ok?t=shared`));
    await a.f(new Request(`${server.url}/ok?t=shared`));
    expect(a.sentAt).toEqual([0, 1000]);
    expect(b.sentAt).toEqual([0]);
    expect(other.sentAt).toEqual([0, 0]);
  });

  it("honours the caller signal while waiting for a token", async () => {
    clock = createManualClock(START);
    const { f } = limited({ rules: { default: { limit: 1, intervalMs: 10_000 } } });
    await f(new Request(`${server.url}/ok?t=abort`));
    const controller = new AbortController();
    const pending = f(new Request(`${server.url}/ok?t=abort`, { signal: controller.signal }));
    await waitFor(() => clock.pending() === 1);
    const reason = new Error("no longer needed");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(server.hits("/ok?t=abort")).toBe(1);
  });

  it("leaves requests without a scope alone and uses per-method scopes", async () => {
    clock = createManualClock(START, { autoAdvance: true });
    const { f, sentAt } = limited({
      rules: { post: { limit: 1, intervalMs: 1000 } },
      scopeFor: (r) => (r.method === "POST" ? "post" : undefined),
    });
    await f(new Request(`${server.url}/ok?t=scope`));
    await f(new Request(`${server.url}/ok?t=scope`));
    await f(new Request(`${server.url}/echo?t=scope`, { method: "POST", body: "1" }));
    await f(new Request(`${server.url}/echo?t=scope`, { method: "POST", body: "2" }));
    expect(sentAt).toEqual([0, 0, 0, 1000]);
  });
});

describe("MemoryRateLimitStore", () => {
  // The same cases run against @cdpkit/redis's store.
  rateLimitStoreCases(() => new MemoryRateLimitStore());
});
