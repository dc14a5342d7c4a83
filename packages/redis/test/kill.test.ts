import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DfineryEvent, DfineryEventInput, DfineryIdentity } from "@cdpkit/dfinery";
import { DeliveryQueue } from "../src/index.js";
import { dfineryEvents } from "../src/targets/dfinery.js";
import { startRedisServer, type RedisServer } from "../scripts/redis-server.mjs";
import { startEventsServer, type EventsServer } from "./events-server.js";
import { drained, until } from "./wait.js";

/**
 * The delivery guarantee end to end: 4 worker processes drain 100,000 events into a server that
 * stores them by event_log_id; one worker is SIGKILLed mid-run and Redis is restarted once. Every
 * event must end stored or dead-lettered with a reason, none lost, none stored under two ids.
 */
const EVENTS = 100_000;
const USERS = 100;
const WORKERS = 4;
const LOCK_MS = 2000;

let redis: RedisServer;
let server: EventsServer;
let queue: DeliveryQueue<DfineryEventInput, DfineryEvent, DfineryIdentity>;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  // Persistent (append-only file in a temporary folder): the queue must survive the restart.
  redis = await startRedisServer({ persistent: true });
  server = await startEventsServer({ transientFailureRate: 0.02 });
  // The producer only needs the target's prepare/idOf: sending happens in the workers.
  queue = new DeliveryQueue({
    connection: redis.url,
    target: dfineryEvents({ sendEvents: () => Promise.reject(new Error("unused")) }),
    itemsPerJob: 250,
  });
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  await queue?.close();
  await server?.close();
  await redis?.stop();
});

function startWorker(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL("./fixtures/delivery-worker.mjs", import.meta.url)), [redis.url, server.url, String(LOCK_MS)], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

it("loses nothing and stores nothing twice when a worker is SIGKILLed and Redis restarts", async () => {
  // Every 4,000th event is refused by the server: its whole request (up to 100 events) is dead-lettered.
  let seq = 0;
  for (let user = 0; user < USERS; user++) {
    const events: DfineryEventInput[] = Array.from({ length: EVENTS / USERS }, () => {
      const n = seq++;
      return { event_name: n % 4000 === 1234 ? "poison" : "view", event_properties: { seq: n } };
    });
    const report = await queue.enqueue(events, { external_id: `user-${user}` });
    expect(report.invalid).toEqual([]);
  }
  expect(await queue.counts()).toMatchObject({ waiting: EVENTS / 250 });

  await Promise.all(Array.from({ length: WORKERS }, startWorker));
  await until(() => server.storedIds.size >= EVENTS * 0.25, 60_000, "a quarter stored");
  const victim = workers[0]!;
  victim.kill("SIGKILL");
  await new Promise((resolve) => victim.once("exit", resolve));
  await until(() => server.storedIds.size >= EVENTS * 0.5, 60_000, "half stored");
  await redis.restart({ downMs: 300 });

  const deadSeqs = new Map<number, string>();
  await drained(queue, 60_000);
  for (const letter of await queue.listDeadLetters()) {
    for (const entry of letter.entries) {
      expect(entry.reason.message).not.toBe("");
      deadSeqs.set((entry.item.event_properties as { seq: number }).seq, `${entry.reason.status} ${entry.reason.message}`);
    }
  }
  // Graceful stop of the survivors: they finish or return their work, then exit 0.
  const exits = workers.slice(1).map((w) => new Promise<number | null>((resolve) => w.once("exit", resolve)));
  for (const w of workers.slice(1)) w.kill("SIGTERM");
  expect(await Promise.all(exits)).toEqual([0, 0, 0]);

  const lost: number[] = [];
  let twice = 0;
  for (let n = 0; n < EVENTS; n++) {
    const ids = server.idsBySeq.get(n);
    if (ids && ids.size > 1) twice++;
    if (!ids && !deadSeqs.has(n)) lost.push(n);
    // never both: a dead-lettered event was refused, not stored
    if (ids && deadSeqs.has(n)) twice++;
  }
  expect(lost).toEqual([]);
  expect(twice).toBe(0);
  const poisoned = EVENTS / 4000;
  expect(server.rejectedRequests).toBeGreaterThanOrEqual(poisoned);
  // the dead letters are the poisoned requests' events (at most 100 each), with the 400 as reason
  expect(deadSeqs.size).toBeGreaterThanOrEqual(poisoned);
  expect(deadSeqs.size).toBeLessThanOrEqual(poisoned * 100);
  expect([...deadSeqs.values()].every((reason) => reason.startsWith("400 "))).toBe(true);
  expect(server.storedIds.size + deadSeqs.size).toBe(EVENTS);
  expect(await queue.counts()).toMatchObject({ failed: 0, waiting: 0, active: 0, delayed: 0 });
  console.log(
    `kill test: ${server.storedIds.size} stored, ${deadSeqs.size} dead-lettered, ${server.duplicates} redeliveries deduplicated by id, 0 lost`,
  );
}, 120_000);
