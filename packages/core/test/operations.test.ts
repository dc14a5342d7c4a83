import { describe, expect, it } from "vitest";
import { createOperationIndex, rateLimitRulesFrom, type OperationMeta } from "../src/operations.js";

const op = (path: string, rateLimit?: OperationMeta["rateLimit"]): OperationMeta => ({
  method: "POST",
  path,
  security: [],
  idempotent: false,
  ...(rateLimit ? { rateLimit } : {}),
});

describe("rateLimitRulesFrom", () => {
  it("one rule per documented scope; operations without a limit add none", () => {
    const rules = rateLimitRulesFrom([
      op("/a", { scope: "events", limit: 100, intervalMs: 1000 }),
      op("/b", { scope: "export", limit: 5, intervalMs: 60_000, maxConcurrent: 1 }),
      op("/c"),
    ]);
    expect(rules).toEqual({
      events: { limit: 100, intervalMs: 1000 },
      export: { limit: 5, intervalMs: 60_000, maxConcurrent: 1 },
    });
  });

  it("a scope documented twice keeps the stricter rate, whatever the order", () => {
    const strict = { scope: "s", limit: 10, intervalMs: 1000 };
    const loose = { scope: "s", limit: 1000, intervalMs: 60_000 }; // 16.7/s
    expect(rateLimitRulesFrom([op("/a", strict), op("/b", loose)]).s).toEqual({ limit: 10, intervalMs: 1000 });
    expect(rateLimitRulesFrom([op("/b", loose), op("/a", strict)]).s).toEqual({ limit: 10, intervalMs: 1000 });
  });

  it("the caller's overrides win and may add scopes", () => {
    const rules = rateLimitRulesFrom([op("/a", { scope: "events", limit: 100, intervalMs: 1000 })], {
      events: { limit: 500, intervalMs: 1000 },
      extra: { limit: 1, intervalMs: 10 },
    });
    expect(rules).toEqual({ events: { limit: 500, intervalMs: 1000 }, extra: { limit: 1, intervalMs: 10 } });
  });
});

describe("createOperationIndex", () => {
  const ops = [
    { ...op("/things"), operationId: "list", method: "GET" },
    { ...op("/things/{id}"), operationId: "get", method: "GET" },
    { ...op("/things/{id}/parts/{part}"), operationId: "part", method: "DELETE" },
  ];
  it("matches exact and templated paths below a base path, by method", () => {
    const index = createOperationIndex(ops, "https://api.example.com/v2/");
    expect(index.find("GET", "https://api.example.com/v2/things")?.operationId).toBe("list");
    expect(index.find("get", "https://api.example.com/v2/things/42?x=1")?.operationId).toBe("get");
    expect(index.find("DELETE", "https://api.example.com/v2/things/42/parts/p.1")?.operationId).toBe("part");
    expect(index.find("POST", "https://api.example.com/v2/things/42")).toBeUndefined();
    expect(index.find("GET", "https://api.example.com/v2/things/42/extra")).toBeUndefined();
  });
});

describe("idempotentRetry", () => {
  it("repeats only idempotent operations, keeps caller options, stays off when false", async () => {
    const { idempotentRetry: retryFor, createOperationIndex: indexOf } = await import("../src/operations.js");
    const index = indexOf(
      [
        { method: "GET", path: "/read", security: [], idempotent: true },
        { method: "POST", path: "/write", security: [], idempotent: false },
      ],
      "http://retry.test",
    );
    const clock = { now: () => 0, sleep: async () => undefined };
    expect(retryFor(index, false, clock)).toBe(false);
    const policy = retryFor(index, { maxAttempts: 7 }, clock) as Exclude<ReturnType<typeof retryFor>, false>;
    expect(policy.maxAttempts).toBe(7);
    expect(policy.clock).toBe(clock);
    expect(policy.isSafeToRetry?.(new Request("http://retry.test/read"))).toBe(true);
    expect(policy.isSafeToRetry?.(new Request("http://retry.test/write", { method: "POST" }))).toBe(false);
    const own = { now: () => 1, sleep: async () => undefined };
    expect((retryFor(index, { clock: own }, clock) as { clock?: unknown }).clock).toBe(own);
  });
});
