import { createDfineryClient, InvalidInputError, type DfineryEvent, type DfineryEventInput, type DfineryIdentity } from "@cdpkit/dfinery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryQueue, DeliveryWorker, RedisRateLimitStore } from "../src/index.js";
import { dfineryEvents } from "../src/targets/dfinery.js";
import { startRedisServer, type RedisServer } from "../scripts/redis-server.mjs";
import { startEventsServer, type EventsServer } from "./events-server.js";
import { drained } from "./wait.js";

let redis: RedisServer;
let server: EventsServer;
let store: RedisRateLimitStore;
let names = 0;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startEventsServer();
  store = new RedisRateLimitStore({ redis: redis.url });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await store.close();
  await server.close();
  await redis.stop();
});

/** A client whose own retries are off, so every failure reaches the queue's retry/dead-letter logic. */
function client() {
  return createDfineryClient({
    serviceId: "svc",
    importToken: "tok-delivery-test",
    baseUrl: server.url,
    retry: false,
    rateLimit: { store },
  });
}

function setUp(options: { attempts?: number; backoffMs?: number; concurrency?: number } = {}) {
  const target = dfineryEvents(client(), { name: `events-${names++}` });
  const queue = new DeliveryQueue<DfineryEventInput, DfineryEvent, DfineryIdentity>({
    connection: redis.url,
    target,
    itemsPerJob: 10,
    attempts: options.attempts ?? 4,
    backoffMs: options.backoffMs ?? 50,
  });
  closers.push(() => queue.close());
  const start = (): DeliveryWorker<DfineryEventInput, DfineryEvent, DfineryIdentity> => {
    const worker = new DeliveryWorker({ connection: redis.url, target, concurrency: options.concurrency ?? 2, lockDurationMs: 2000 });
    closers.push(() => worker.stop({ timeoutMs: 1000 }));
    return worker;
  };
  return { queue, start };
}

const events = (from: number, count: number, name = "view"): DfineryEventInput[] =>
  Array.from({ length: count }, (_, i) => ({ event_name: name, event_properties: { seq: from + i } }));

describe("DeliveryQueue.enqueue", () => {
  it("fills the ids once, reports invalid items without enqueueing them, and refuses a bad identity before Redis", async () => {
    const { queue } = setUp();
    const given: DfineryEventInput[] = [...events(0, 3), { event_name: "" }, { event_name: "x", event_log_id: "fixed-id" }];
    const report = await queue.enqueue(given, { external_id: "u1" });
    expect(report.items).toHaveLength(4);
    expect(report.items.every((e) => typeof e.event_log_id === "string" && e.event_log_id !== "")).toBe(true);
    expect(report.items[3]!.event_log_id).toBe("fixed-id");
    expect(report.invalid.map((i) => i.position)).toEqual([3]);
    expect(report.invalid[0]!.error).toBeInstanceOf(InvalidInputError);
    expect(report.invalid[0]!.error.message).toMatch(/event 3 was not enqueued: events\[3\]\.event_name/);
    // the job carries the completed items, exactly as they will be sent
    const [job] = await queue.queue.getJobs(["waiting"]);
    expect(job!.data.items.map((e) => e.event_log_id)).toEqual(report.items.map((e) => e.event_log_id));
    // enqueueing the same completed items again adds no second job
    await queue.enqueue(report.items, { external_id: "u1" });
    expect((await queue.counts()).waiting).toBe(1);
    await expect(queue.enqueue(events(0, 1), {} as DfineryIdentity)).rejects.toBeInstanceOf(InvalidInputError);
    expect((await queue.counts()).waiting).toBe(1);
  });
});

describe("DeliveryWorker", () => {
  it("delivers, retries transient failures with backoff and dead-letters permanent refusals with their reason", async () => {
    const { queue, start } = setUp();
    server.failFirst.set("retry-me", 2);
    // 25 events: 3 jobs of at most 10
    await queue.enqueue(events(1000, 25), { external_id: "ok-user" });
    await queue.enqueue(events(2000, 10), { external_id: "retry-me" });
    await queue.enqueue([...events(3000, 4), { event_name: "poison" }], { external_id: "poisoned" });
    start();
    start();
    await drained(queue);
    const stored = (from: number, count: number): boolean =>
      Array.from({ length: count }, (_, i) => server.idsBySeq.has(from + i)).every(Boolean);
    expect(stored(1000, 25)).toBe(true);
    expect(stored(2000, 10)).toBe(true);
    expect(stored(3000, 4)).toBe(false);
    const letters = await queue.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.context).toEqual({ external_id: "poisoned" });
    expect(letters[0]!.entries).toHaveLength(5);
    expect(letters[0]!.entries[0]!.reason).toMatchObject({ status: 400, vendorCode: 40001, attempts: 1 });
    expect(await queue.counts()).toMatchObject({ completed: 5, failed: 0, deadLettered: 1 });
  });

  it("dead-letters what still fails on the last attempt, with the last reason and the attempts made", async () => {
    const { queue, start } = setUp({ attempts: 3 });
    server.failFirst.set("always-down", 1000);
    await queue.enqueue(events(4000, 5), { external_id: "always-down" });
    start();
    await drained(queue);
    server.failFirst.delete("always-down");
    const letters = await queue.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.entries.map((e) => (e.item.event_properties as { seq: number }).seq)).toEqual([4000, 4001, 4002, 4003, 4004]);
    expect(letters[0]!.entries[0]!.reason).toMatchObject({ status: 503, attempts: 3 });
  });

  it("on stop, finishes in-flight work within the timeout or hands it back to the queue without using an attempt", async () => {
    const { queue, start } = setUp({ attempts: 1, concurrency: 1 });
    // The server holds these requests: the job is in flight when the worker stops.
    server.holdMs = 5000;
    try {
      await queue.enqueue(events(5000, 3), { external_id: "slow" });
      const first = start();
      await new Promise<void>((resolve) => first.worker.once("active", () => resolve()));
      await first.stop({ timeoutMs: 200 });
      // back in the queue, not failed, not dead-lettered, its one attempt not spent
      expect(await queue.counts()).toMatchObject({ failed: 0, deadLettered: 0, active: 0 });
      const [job] = await queue.queue.getJobs(["waiting", "delayed"]);
      expect(job!.attemptsMade).toBe(0);
    } finally {
      server.holdMs = 0;
    }
    start();
    await drained(queue);
    expect([5000, 5001, 5002].every((n) => server.idsBySeq.has(n))).toBe(true);
  });
});
