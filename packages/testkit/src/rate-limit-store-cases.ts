import { expect, it } from "vitest";

/** The shape of core's RateLimitStore (the kit imports nothing from core, so core's own tests can use it). */
interface StoreUnderTest {
  take(key: string, rule: { limit: number; intervalMs: number }, now: number): Promise<unknown>;
  observe(key: string, info: { remaining?: number; resetAt?: number; refusedUntil?: number }, now: number): Promise<void>;
}

/**
 * The behaviour every RateLimitStore must share with core's MemoryRateLimitStore, on the caller's
 * clock (`now` passed in). Call inside a describe; `makeStore` gives a fresh, empty store.
 */
export function rateLimitStoreCases(makeStore: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  it("reports the wait until the next token returns", async () => {
    const store = await makeStore();
    const rule = { limit: 2, intervalMs: 1000 };
    expect(await store.take("k", rule, 0)).toEqual({ granted: true });
    expect(await store.take("k", rule, 300)).toEqual({ granted: true });
    expect(await store.take("k", rule, 400)).toEqual({ granted: false, waitMs: 600 });
    expect(await store.take("k", rule, 1000)).toEqual({ granted: true });
    expect(await store.take("k", rule, 1000)).toEqual({ granted: false, waitMs: 300 });
  });

  it("never lets a window of intervalMs carry more than limit", async () => {
    const store = await makeStore();
    const rule = { limit: 3, intervalMs: 1000 };
    const granted: number[] = [];
    for (let now = 0; now < 5000; now += 70) if (((await store.take("k", rule, now)) as { granted: boolean }).granted) granted.push(now);
    for (const at of granted) expect(granted.filter((t) => t >= at && t < at + 1000).length).toBeLessThanOrEqual(3);
    // and the budget is used: 3 per second over 5 s, give or take the step
    expect(granted.length).toBeGreaterThanOrEqual(14);
  });

  it("lowers local tokens when the server reports remaining without a reset", async () => {
    const store = await makeStore();
    const rule = { limit: 5, intervalMs: 1000 };
    await store.take("k", rule, 0);
    await store.observe("k", { remaining: 1 }, 100);
    expect(await store.take("k", rule, 100)).toEqual({ granted: true });
    expect(await store.take("k", rule, 100)).toEqual({ granted: false, waitMs: 900 });
  });

  it("does not raise the server count from a stale response in the same window", async () => {
    const store = await makeStore();
    const rule = { limit: 100, intervalMs: 1000 };
    await store.observe("k", { remaining: 1, resetAt: 10_000 }, 0);
    expect(await store.take("k", rule, 0)).toEqual({ granted: true });
    await store.observe("k", { remaining: 5, resetAt: 10_000 }, 0);
    expect(await store.take("k", rule, 0)).toEqual({ granted: false, waitMs: 10_000 });
    // a new window replaces the count
    await store.observe("k", { remaining: 5, resetAt: 20_000 }, 0);
    expect(await store.take("k", rule, 0)).toEqual({ granted: true });
  });

  it("accepts a server block before the first take", async () => {
    const store = await makeStore();
    await store.observe("k", { remaining: 0, resetAt: 5000 }, 0);
    await store.observe("k", { remaining: 3 }, 0);
    expect(await store.take("k", { limit: 5, intervalMs: 1000 }, 1000)).toEqual({ granted: false, waitMs: 4000 });
    expect(await store.take("k", { limit: 5, intervalMs: 1000 }, 5000)).toEqual({ granted: true });
  });

  it("lets a 429's own refusal govern the block, replacing the window earlier answers announced", async () => {
    const store = await makeStore();
    const rule = { limit: 100, intervalMs: 1000 };
    // 200s announced an hour-long window with 50 left; then a 429 said: back in 2 s
    await store.observe("k", { remaining: 50, resetAt: 3_600_000 }, 0);
    await store.observe("k", { refusedUntil: 2000 }, 0);
    expect(await store.take("k", rule, 500)).toEqual({ granted: false, waitMs: 1500 });
    // a second 429 in flight with an earlier time does not shorten the block
    await store.observe("k", { refusedUntil: 1000 }, 600);
    expect(await store.take("k", rule, 1500)).toEqual({ granted: false, waitMs: 500 });
    expect(await store.take("k", rule, 2000)).toEqual({ granted: true });
  });

  it("keeps keys apart", async () => {
    const store = await makeStore();
    const rule = { limit: 1, intervalMs: 1000 };
    expect(await store.take("a", rule, 0)).toEqual({ granted: true });
    expect(await store.take("b", rule, 0)).toEqual({ granted: true });
    expect(await store.take("a", rule, 0)).toEqual({ granted: false, waitMs: 1000 });
  });
}

/** globalThis.fetch that records the most requests it ever had in flight at once (concurrency limits). */
export function inFlightCounter(): { fetch: (request: Request) => Promise<Response>; peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  return {
    peak: () => peak,
    fetch: async (request) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await fetch(request);
      } finally {
        inFlight--;
      }
    },
  };
}
