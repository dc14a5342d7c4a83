import { createKameleoonClient, type KameleoonClient, type VisitEvent } from "@cdpkit/kameleoon";
import { createSyneriseClient, type SyneriseEvent } from "@cdpkit/synerise";
import { InvalidInputError } from "@cdpkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryQueue, DeliveryWorker, RedisRateLimitStore, type ContextArgument, type DeliveryTarget } from "../src/index.js";
import { kameleoonProductEvents, kameleoonVisitEvents, type KameleoonVisitor } from "../src/targets/kameleoon.js";
import { syneriseEvents } from "../src/targets/synerise.js";
import { startRedisServer, type RedisServer } from "../scripts/redis-server.mjs";
import { kameleoonEndpoint, startEventsServer, syneriseEndpoint, type EventsServer, type VendorEndpoint } from "./events-server.js";
import { drained, until } from "./wait.js";

/**
 * The Synerise and Kameleoon targets end to end: real Redis, real HTTP to a loopback server that stores
 * events by their idempotency key (`eventSalt`, `nonce`) the way the vendor deduplicates.
 */
let redis: RedisServer;
let store: RedisRateLimitStore;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  store = new RedisRateLimitStore({ redis: redis.url });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await store.close();
  await redis.stop();
});

const SYNERISE_JWT = "synerise-target-test-jwt";

interface TargetCase<Input, Item, Context> {
  readonly vendor: string;
  readonly endpoint: VendorEndpoint;
  /** A target whose client's own retries are off, so every failure reaches the queue's retry/dead-letter logic. */
  target(serverUrl: string, name: string): DeliveryTarget<Input, Item, Context>;
  /** Event number `seq` about `who`; `poison` makes the server refuse its request with a 400. */
  event(seq: number, who: string, poison?: boolean): Input;
  /** The enqueue context for events about `who`. */
  context(who: string): ContextArgument<Context>;
  idOf(item: Item): string;
  /** Inputs refused at enqueue, with the start of their InvalidInputError's message. */
  readonly invalid: readonly { readonly input: unknown; readonly message: RegExp }[];
  /** Contexts refused at enqueue (before Redis). */
  readonly badContexts: readonly unknown[];
}

const synerise: TargetCase<SyneriseEvent, SyneriseEvent, undefined> = {
  vendor: "Synerise",
  endpoint: syneriseEndpoint,
  target: (url, name) =>
    syneriseEvents(createSyneriseClient({ auth: { type: "jwt", token: SYNERISE_JWT }, baseUrl: url, retry: false, rateLimit: { store } }), {
      name,
    }),
  event: (seq, who, poison = false) => ({
    label: "page visit",
    type: "custom",
    action: poison ? "poison" : "page.visit",
    client: { customId: who },
    params: { seq },
  }),
  context: () => [],
  idOf: (event) => event.eventSalt!,
  invalid: [
    { input: { label: "x", type: "custom", client: {} }, message: /client must carry one of id, uuid, customId, email/ },
    { input: { label: "x", type: "custom", client: { customId: "c" }, eventSalt: "" }, message: /eventSalt must be a non-empty string/ },
  ],
  badContexts: [],
};

const kameleoonClient = (url: string): KameleoonClient =>
  createKameleoonClient({ siteCode: "site-1", baseUrl: url, retry: false, rateLimit: { store } });

const kameleoon: TargetCase<VisitEvent, VisitEvent, KameleoonVisitor> = {
  vendor: "Kameleoon",
  endpoint: kameleoonEndpoint("/visit/events", "visitorCode"),
  target: (url, name) => kameleoonVisitEvents(kameleoonClient(url), { name }),
  event: (seq, _who, poison = false) => ({ eventType: poison ? "poison" : "conversion", goalId: 7, seq }),
  context: (who) => [{ visitorCode: who }],
  idOf: (event) => event.nonce!,
  invalid: [
    { input: { eventType: "" }, message: /eventType must be a non-empty string/ },
    { input: { eventType: "page", nonce: "not-hex" }, message: /nonce must be 16 hex characters/ },
  ],
  badContexts: [{ visitorCode: "" }, { visitorCode: "v".repeat(101) }, null, "v1", {}],
};

function targetSuite<Input, Item, Context>(c: TargetCase<Input, Item, Context>): void {
  describe(`${c.vendor} target`, () => {
    let server: EventsServer;
    let names = 0;
    beforeAll(async () => {
      server = await startEventsServer({ endpoint: c.endpoint });
    });
    afterAll(() => server.close());

    function setUp(options: { attempts?: number; itemsPerJob?: number; transientFailureRate?: number } = {}) {
      const target = c.target(server.url, `${c.vendor.toLowerCase()}-${names++}`);
      const queue = new DeliveryQueue<Input, Item, Context>({
        connection: redis.url,
        target,
        itemsPerJob: options.itemsPerJob ?? 100,
        attempts: options.attempts ?? 8,
        backoffMs: 20,
      });
      closers.push(() => queue.close());
      const start = (concurrency = 2): DeliveryWorker<Input, Item, Context> => {
        const worker = new DeliveryWorker({ connection: redis.url, target, concurrency, lockDurationMs: 2000 });
        closers.push(() => worker.stop({ timeoutMs: 1000 }));
        return worker;
      };
      return { queue, start };
    }

    /** Every enqueued item is stored under exactly the id it was given at enqueue, and under no other. */
    function expectStoredOnce(enqueued: { seq: number; id: string }[]): void {
      const wrong = enqueued.filter(({ seq, id }) => {
        const ids = server.idsBySeq.get(seq);
        return ids === undefined || ids.size !== 1 || !ids.has(id);
      });
      expect(wrong).toEqual([]);
    }

    it("delivers 3,000 events (30 jobs, 2 workers, half the profiles answered 503 once): each stored once, under the id filled at enqueue", async () => {
      const { queue, start } = setUp();
      const enqueued: { seq: number; id: string }[] = [];
      for (let who = 0; who < 30; who++) {
        const inputs = Array.from({ length: 100 }, (_, i) => c.event(10_000 + who * 100 + i, `visitor-${who}`));
        const report = await queue.enqueue(inputs, ...c.context(`visitor-${who}`));
        expect(report.invalid).toEqual([]);
        report.items.forEach((item, i) => enqueued.push({ seq: 10_000 + who * 100 + i, id: c.idOf(item) }));
      }
      expect(new Set(enqueued.map((e) => e.id)).size).toBe(3000);
      // Each profile's first request fails once; the job is retried with the same ids.
      for (let who = 0; who < 30; who += 2) server.failFirst.set(`visitor-${who}`, 1);
      start();
      start();
      await drained(queue);
      expectStoredOnce(enqueued);
      expect(await queue.counts()).toMatchObject({ completed: 30, failed: 0, deadLettered: 0 });
      expect([...server.failFirst.values()].every((left) => left === 0)).toBe(true);
    });

    it("a response lost after the vendor stored the events: the redelivery re-sends the same ids, stored once", async () => {
      const { queue, start } = setUp();
      const inputs = Array.from({ length: 50 }, (_, i) => c.event(20_000 + i, "lost-answer"));
      const report = await queue.enqueue(inputs, ...c.context("lost-answer"));
      const duplicatesBefore = server.duplicates;
      server.holdAfterStoringMs = 5000;
      try {
        const first = start(1);
        await until(() => server.idsBySeq.has(20_049), 10_000, "the first delivery to be stored");
        // The worker is stopped mid-job: its request is aborted and the events go back to the queue.
        await first.stop({ timeoutMs: 200 });
        expect(await queue.counts()).toMatchObject({ failed: 0, deadLettered: 0, active: 0, completed: 0 });
      } finally {
        server.holdAfterStoringMs = 0;
      }
      start(1);
      await drained(queue);
      expect(server.duplicates - duplicatesBefore).toBe(50);
      expectStoredOnce(report.items.map((item, i) => ({ seq: 20_000 + i, id: c.idOf(item) })));
      expect(await queue.counts()).toMatchObject({ completed: 1, failed: 0, deadLettered: 0 });
    });

    it("a permanent 400 goes to the dead-letter queue with its reason, after one attempt; other jobs are delivered", async () => {
      const { queue, start } = setUp();
      const poisoned = await queue.enqueue(
        Array.from({ length: 20 }, (_, i) => c.event(30_000 + i, "poisoned", i === 7)),
        ...c.context("poisoned"),
      );
      const healthy = await queue.enqueue(
        Array.from({ length: 20 }, (_, i) => c.event(31_000 + i, "healthy")),
        ...c.context("healthy"),
      );
      start();
      await drained(queue);
      expectStoredOnce(healthy.items.map((item, i) => ({ seq: 31_000 + i, id: c.idOf(item) })));
      expect(Array.from({ length: 20 }, (_, i) => server.idsBySeq.has(30_000 + i)).some(Boolean)).toBe(false);
      const letters = await queue.listDeadLetters();
      expect(letters).toHaveLength(1);
      // the whole refused request, with the ids it was enqueued with, and why
      expect(letters[0]!.entries.map((e) => c.idOf(e.item))).toEqual(poisoned.items.map(c.idOf));
      expect(letters[0]!.entries[0]!.reason).toMatchObject({ status: 400, attempts: 1 });
      expect(letters[0]!.entries[0]!.reason.message).not.toBe("");
      expect(JSON.stringify(letters)).not.toContain(SYNERISE_JWT);
      expect(await queue.counts()).toMatchObject({ completed: 2, failed: 0, deadLettered: 1 });
    });

    it("refuses bad input at enqueue: invalid events are reported and not enqueued, a bad context before Redis", async () => {
      const { queue } = setUp();
      const given = [c.event(40_000, "mixed"), ...c.invalid.map((i) => i.input as Input), c.event(40_001, "mixed")];
      const report = await queue.enqueue(given, ...c.context("mixed"));
      expect(report.items).toHaveLength(2);
      expect(report.invalid.map((i) => i.position)).toEqual(c.invalid.map((_, n) => n + 1));
      report.invalid.forEach((entry, n) => {
        expect(entry.error).toBeInstanceOf(InvalidInputError);
        expect(entry.error.message).toMatch(c.invalid[n]!.message);
      });
      const [job] = await queue.queue.getJobs(["waiting"]);
      expect(job!.data.items.map(c.idOf)).toEqual(report.items.map(c.idOf));
      for (const context of c.badContexts) {
        const args = [context] as unknown as ContextArgument<Context>;
        await expect(queue.enqueue([c.event(40_002, "x")], ...args)).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect((await queue.counts()).waiting).toBe(1);
    });
  });
}

targetSuite(synerise);
targetSuite(kameleoon);

describe("Kameleoon targets: an id on each event, product events", () => {
  it("visit events each carrying their own visitorCode; one without it is refused at enqueue", async () => {
    const server = await startEventsServer({ endpoint: kameleoonEndpoint("/visit/events", "visitorCode") });
    try {
      const target = kameleoonVisitEvents(kameleoonClient(server.url), { name: "kameleoon-per-event" });
      const queue = new DeliveryQueue({ connection: redis.url, target, itemsPerJob: 10, backoffMs: 20 });
      closers.push(() => queue.close());
      const report = await queue.enqueue([
        ...Array.from({ length: 15 }, (_, i) => ({ eventType: "page", visitorCode: `v-${i}`, seq: 50_000 + i })),
        { eventType: "page", seq: 50_015 },
      ]);
      expect(report.invalid.map((i) => [i.position, i.error.message])).toEqual([[15, expect.stringMatching(/visitorCode is required/)]]);
      const worker = new DeliveryWorker({ connection: redis.url, target });
      closers.push(() => worker.stop({ timeoutMs: 1000 }));
      await drained(queue);
      const posts = server.server.requests.filter((r) => r.path === "/visit/events");
      expect(posts.every((r) => !r.query.has("visitorCode"))).toBe(true);
      const lines = posts.flatMap((r) => r.body.split("\n").map((l) => new URLSearchParams(l)));
      expect(lines.map((l) => l.get("visitorCode")).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `v-${i}`).sort());
      expect(report.items.every((item, i) => server.idsBySeq.get(50_000 + i)?.has(item.nonce!))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("product events with one ean per job: sent in the query, each stored under the nonce filled at enqueue", async () => {
    const server = await startEventsServer({ endpoint: kameleoonEndpoint("/product/events", "ean") });
    try {
      const target = kameleoonProductEvents(kameleoonClient(server.url), { name: "kameleoon-products" });
      const queue = new DeliveryQueue({ connection: redis.url, target, itemsPerJob: 100, backoffMs: 20 });
      closers.push(() => queue.close());
      const events = (from: number) => Array.from({ length: 150 }, (_, i) => ({ eventType: "PRODUCTBUY" as const, seq: from + i }));
      const first = await queue.enqueue(events(60_000), { ean: "sku-1" });
      const second = await queue.enqueue(events(61_000), { ean: "sku-2" });
      await expect(queue.enqueue(events(62_000))).resolves.toMatchObject({ items: [] });
      await expect(queue.enqueue(events(62_000), { ean: "" })).rejects.toBeInstanceOf(InvalidInputError);
      const worker = new DeliveryWorker({ connection: redis.url, target });
      closers.push(() => worker.stop({ timeoutMs: 1000 }));
      await drained(queue);
      const posts = server.server.requests.filter((r) => r.path === "/product/events");
      expect(new Set(posts.map((r) => r.query.get("ean")))).toEqual(new Set(["sku-1", "sku-2"]));
      const stored = (report: typeof first, from: number) =>
        report.items.every((item, i) => server.idsBySeq.get(from + i)?.has(item.nonce!));
      expect(stored(first, 60_000) && stored(second, 61_000)).toBe(true);
      expect(server.storedIds.size).toBe(300);
      expect(await queue.counts()).toMatchObject({ completed: 4, failed: 0, deadLettered: 0 });
    } finally {
      await server.close();
    }
  });
});
