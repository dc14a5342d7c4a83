import { composeFetch, MemoryRateLimitStore, systemClock, withRateLimit, type FetchLike } from "@cdpkit/core";
import { closedPortUrl, createTestServer, inFlightCounter, json, rateLimitStoreCases, type TestServer } from "@cdpkit/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRateLimitStore, RedisUnavailableError } from "../src/index.js";
import { startRedisServer, type RedisServer } from "../scripts/redis-server.mjs";

let redis: RedisServer;
let http: TestServer;
const stores: RedisRateLimitStore[] = [];
let prefixes = 0;

/** A store on the suite's server with keys of its own (a fresh budget per test). */
function store(options: Partial<ConstructorParameters<typeof RedisRateLimitStore>[0]> = {}): RedisRateLimitStore {
  const s = new RedisRateLimitStore({ redis: redis.url, prefix: `t${prefixes++}:`, ...options });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedisServer();
  http = await createTestServer();
  http.route("GET /ok", (_req, res) => json(res, 200, { ok: true }));
  http.route("GET /slow", (_req, res) => http.delay(30, () => json(res, 200, { ok: true })));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await http.close();
  await redis.stop();
});

describe("RedisRateLimitStore on the caller's clock: the memory store's cases", () => {
  rateLimitStoreCases(() => store({ clock: "caller" }));
});

describe("RedisRateLimitStore", () => {
  it("shares one budget between processes' stores, on Redis's clock whatever the hosts' clocks say", async () => {
    // Two stores = two processes; the second host's clock is an hour ahead. Same prefix, same budget.
    const prefix = `skew${prefixes++}:`;
    const a = store({ prefix });
    const b = store({ prefix });
    const rule = { limit: 3, intervalMs: 10_000 };
    const now = Date.now();
    const results = [
      await a.take("k", rule, now),
      await b.take("k", rule, now + 3_600_000),
      await a.take("k", rule, now),
      await b.take("k", rule, now + 3_600_000),
    ];
    expect(results.slice(0, 3)).toEqual([{ granted: true }, { granted: true }, { granted: true }]);
    const refused = results[3] as { granted: false; waitMs: number };
    // the skewed host waits for the first token's return (~10 s), not an hour less or more
    expect(refused.granted).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(9000);
    expect(refused.waitMs).toBeLessThanOrEqual(10_000);
  });

  it("reads a server block in the caller's terms (an offset), whatever its clock", async () => {
    const prefix = `block${prefixes++}:`;
    const a = store({ prefix });
    const b = store({ prefix });
    const skewedNow = Date.now() - 120_000;
    // host a (two minutes behind) saw a 429: back in 3 s by its clock
    await a.observe("k", { refusedUntil: skewedNow + 3000 }, skewedNow);
    const result = (await b.take("k", { limit: 10, intervalMs: 1000 }, Date.now())) as { granted: false; waitMs: number };
    expect(result.granted).toBe(false);
    expect(result.waitMs).toBeGreaterThan(2500);
    expect(result.waitMs).toBeLessThanOrEqual(3000);
  });

  it("keeps requests of two limiters on one store within one budget", async () => {
    const shared = store();
    const rules = { s: { limit: 5, intervalMs: 1000 } };
    const sentAt: number[] = [];
    const base: FetchLike = (request) => {
      sentAt.push(Date.now());
      return fetch(request);
    };
    const [a, b] = [0, 1].map(() => composeFetch(base, withRateLimit({ rules, scopeFor: () => "s", store: shared, clock: systemClock })));
    // The process's first fetch sets Node's HTTP stack up synchronously (100+ ms on a loaded machine),
    // which would hold back the sends of tokens already granted and bunch them up against the next
    // wave's; done here, outside the budget, it measures the limiter alone.
    await (await fetch(`${http.url}/ok`)).text();
    const start = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a! : b!)(new Request(`${http.url}/ok`))));
    // 12 requests at 5 per second: the 6th and 11th had to wait for the first tokens to return
    expect(Date.now() - start).toBeGreaterThanOrEqual(2000 - 50);
    sentAt.sort((x, y) => x - y);
    for (const at of sentAt) expect(sentAt.filter((t) => t >= at && t < at + 950).length).toBeLessThanOrEqual(5);
  });

  it("leases concurrency slots across processes and gets a dead holder's slot back when its lease expires", async () => {
    const prefix = `slots${prefixes++}:`;
    const a = store({ prefix, slotLeaseMs: 400 });
    const b = store({ prefix, slotLeaseMs: 400 });
    const rule = { limit: 100, intervalMs: 1000, maxConcurrent: 2 };
    const first = await a.acquireSlot("k", rule, Date.now());
    const second = await b.acquireSlot("k", rule, Date.now());
    expect(first.granted && second.granted).toBe(true);
    const third = await b.acquireSlot("k", rule, Date.now());
    expect(third).toMatchObject({ granted: false });
    // released: free at once
    if (second.granted) await second.release();
    const fourth = await b.acquireSlot("k", rule, Date.now());
    expect(fourth.granted).toBe(true);
    // a held lease is renewed past its length
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await b.acquireSlot("k", rule, Date.now())).toMatchObject({ granted: false });
    // process a "dies": its connection goes without releasing (its renewal can no longer reach Redis)
    await a.close();
    const started = Date.now();
    let after = await b.acquireSlot("k", rule, Date.now());
    while (!after.granted && Date.now() - started < 3000) {
      await new Promise((resolve) => setTimeout(resolve, after.granted ? 0 : after.waitMs));
      after = await b.acquireSlot("k", rule, Date.now());
    }
    expect(after.granted).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("holds maxConcurrent across two limiters through the store's leases", async () => {
    const counter = inFlightCounter();
    const base: FetchLike = counter.fetch;
    const prefix = `conc${prefixes++}:`;
    const rules = { s: { limit: 1000, intervalMs: 1000, maxConcurrent: 3 } };
    const [a, b] = [0, 1].map(() =>
      composeFetch(base, withRateLimit({ rules, scopeFor: () => "s", store: store({ prefix, slotPollMs: 5 }), clock: systemClock })),
    );
    const responses = await Promise.all(Array.from({ length: 18 }, (_, i) => (i % 2 ? a! : b!)(new Request(`${http.url}/slow`))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(counter.peak()).toBe(3);
  });

  it("throws RedisUnavailableError when Redis does not answer, naming no URL", async () => {
    const url = (await closedPortUrl()).replace("http://", "redis://:s3cret-pass@");
    const down = store({ redis: url, commandTimeoutMs: 300 });
    const error = await down.take("k", { limit: 1, intervalMs: 1000 }, Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ kind: "network", name: "RedisUnavailableError" });
    expect(JSON.stringify(error) + String(error)).not.toContain("s3cret-pass");
    // the request that needed the budget is not sent
    const f = composeFetch(
      (request) => fetch(request),
      withRateLimit({ rules: { s: { limit: 5, intervalMs: 1000 } }, scopeFor: () => "s", store: down }),
    );
    const before = http.hits("GET /ok");
    await expect(f(new Request(`${http.url}/ok`))).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(http.hits("GET /ok")).toBe(before);
  });

  it("falls back to an in-process budget when asked, logs it, and returns to Redis when it answers", async () => {
    const own = await startRedisServer();
    const warnings: string[] = [];
    const s = store({
      redis: own.url,
      fallback: "memory",
      commandTimeoutMs: 300,
      retryRedisAfterMs: 100,
      logger: { warn: (msg) => warnings.push(msg) },
    });
    const rule = { limit: 2, intervalMs: 60_000 };
    try {
      expect(await s.take("k", rule, Date.now())).toEqual({ granted: true });
      const restarted = own.restart({ downMs: 1500 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Redis is down: the in-process budget applies (2 per minute, counted from zero), with one warning
      const results = [await s.take("k", rule, Date.now()), await s.take("k", rule, Date.now()), await s.take("k", rule, Date.now())];
      expect(results).toEqual([{ granted: true }, { granted: true }, { granted: false, waitMs: expect.any(Number) }]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/falling back to an in-process budget/);
      await restarted;
      // Redis is back (empty: no persistence): the shared budget applies again
      let back = await s.take("k", rule, Date.now());
      for (let i = 0; i < 50 && warnings.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        back = await s.take("k", rule, Date.now());
      }
      expect(back).toEqual({ granted: true });
      expect(warnings[1]).toMatch(/reachable again/);
    } finally {
      await own.stop();
    }
  });

  it("gives the memory store and the Redis store the same answers on a long random run", async () => {
    const memory = new MemoryRateLimitStore();
    const onRedis = store({ clock: "caller" });
    const rule = { limit: 4, intervalMs: 700 };
    let now = 0;
    let seed = 7;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      now += Math.floor(random() * 120);
      const roll = random();
      if (roll < 0.8) {
        expect(await onRedis.take("k", rule, now)).toEqual(await memory.take("k", rule, now));
      } else if (roll < 0.9) {
        const info = { remaining: Math.floor(random() * 5), resetAt: now + Math.floor(random() * 3000) };
        await Promise.all([memory.observe("k", info, now), onRedis.observe("k", info, now)]);
      } else if (roll < 0.95) {
        const info = { remaining: Math.floor(random() * 5) };
        await Promise.all([memory.observe("k", info, now), onRedis.observe("k", info, now)]);
      } else {
        const info = { refusedUntil: now + Math.floor(random() * 1500) };
        await Promise.all([memory.observe("k", info, now), onRedis.observe("k", info, now)]);
      }
    }
  });
});
