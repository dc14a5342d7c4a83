import type { BatchRequestResult } from "@cdpkit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "@cdpkit/core";
import { InvalidItem } from "@cdpkit/core/batch";
import { createSyneriseClient, ServerError, type SyneriseEvent } from "../src/index.js";
import { completeEvent, MAX_BATCH_BYTES } from "../src/events-entry.js";
import { createTestServer, json, type TestServer } from "@cdpkit/testkit";

let server: TestServer;
let failNext: number;
let batches: { events: SyneriseEvent[]; bytes: number; apiVersion: string | undefined }[];

let requests: BatchRequestResult[] = [];
const record = (r: BatchRequestResult): void => void requests.push(r);
beforeEach(async () => {
  requests = [];
  server = await createTestServer();
  failNext = 0;
  batches = [];
  server.route("POST /v4/events/batch", (req, res) => {
    if (failNext > 0) {
      failNext--;
      return json(res, 500, {
        timestamp: "2024-01-01T00:00:00Z",
        status: 500,
        error: "Internal Server Error",
        message: "try later",
        path: "/events/batch",
      });
    }
    const events = JSON.parse(req.body) as SyneriseEvent[];
    batches.push({ events, bytes: Buffer.byteLength(req.body), apiVersion: req.headers["api-version"] as string | undefined });
    res.writeHead(202);
    res.end();
  });
});
afterEach(() => server.close());

const client = (extra: object = {}) =>
  createSyneriseClient({
    auth: { type: "jwt", token: "send-events-test-jwt" },
    baseUrl: server.url,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
const event = (n: number, client: SyneriseEvent["client"] = { customId: `c-${n}` }): SyneriseEvent => ({
  label: "page visit",
  type: "custom",
  action: "page.visit",
  client,
  params: { n },
});

describe("sendEvents", () => {
  it("splits 2500 events into requests of 1000, fills eventSalt and time, keeps order, sends Api-Version", async () => {
    const events = Array.from({ length: 2500 }, (_, n) => event(n));
    const report = await client().sendEvents(events, { onRequest: record });
    expect(report.ok).toBe(true);
    expect(batches.map((b) => b.events.length)).toEqual([1000, 1000, 500]);
    expect(batches.every((b) => b.apiVersion === "4.4")).toBe(true);
    const sent = batches.flatMap((b) => b.events);
    expect(sent.map((e) => (e.params as { n: number }).n)).toEqual(events.map((_, n) => n));
    expect(new Set(sent.map((e) => e.eventSalt)).size).toBe(2500);
    expect(sent.every((e) => typeof e.time === "string" && !Number.isNaN(Date.parse(e.time)))).toBe(true);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual(events.map((_, n) => n));
    expect(requests.map((c) => [c.status, c.positions.length])).toEqual([
      ["accepted", 1000],
      ["accepted", 1000],
      ["accepted", 500],
    ]);
    expect(events[0]).not.toHaveProperty("eventSalt"); // the caller's objects are not modified
  });

  it("keeps every request body at or under 1 MB", async () => {
    const big = "x".repeat(100_000);
    const events = Array.from({ length: 25 }, (_, n) => ({ ...event(n), params: { n, big } }));
    const report = await client().sendEvents(events, { onRequest: record });
    expect(report.ok).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const b of batches) expect(b.bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batches.reduce((n, b) => n + b.events.length, 0)).toBe(25);
    expect(requests.map((c) => c.bytes)).toEqual(batches.map((b) => b.bytes));
  });

  it("sends one identifier type per request, as the docs require", async () => {
    const events = [event(0, { email: "a@example.com" }), event(1, { customId: "c1" }), event(2, { email: "b@example.com" })];
    const report = await client().sendEvents(events, { onRequest: record });
    expect(report.ok).toBe(true);
    expect(batches.map((b) => b.events.map((e) => Object.keys(e.client).join()))).toEqual([["email", "email"], ["customId"]]);
  });

  it("reports invalid and oversized events as failed without sending them; the rest go out", async () => {
    const events = [
      event(0),
      { ...event(1), label: "" },
      { label: "x", type: "custom", client: {} } as SyneriseEvent,
      { ...event(3), params: { big: "y".repeat(MAX_BATCH_BYTES) } },
      event(4),
    ];
    const report = await client().sendEvents(events, { onRequest: record });
    expect(report.ok).toBe(false);
    const long = await client().sendEvents([{ ...event(9), label: "x".repeat(65) }], { onRequest: record });
    expect(long.failed[0]?.error.message).toMatch(/label must be at most 64 characters/);
    expect(report.failed.map((f) => [f.position, f.error.name])).toEqual([
      [1, "InvalidInputError"],
      [2, "InvalidInputError"],
      [3, "InvalidInputError"],
    ]);
    expect(report.failed[0]!.error.message).toMatch(/label must be a non-empty string/);
    expect(report.failed[1]!.error.message).toMatch(/client must carry one of id, uuid, customId, email/);
    expect(report.failed[2]!.error.message).toMatch(/larger than the 1000000-byte request limit/);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([0, 4]);
    expect(batches.flatMap((b) => b.events).length).toBe(2);
  });

  it("retries a failed chunk whose events all carry an eventSalt, with the same salts", async () => {
    failNext = 2;
    const report = await client().sendEvents([event(0), event(1)], { onRequest: record });
    expect(report.ok).toBe(true);
    expect(server.requests.filter((s) => s.path === "/v4/events/batch")).toHaveLength(3);
    const bodies = server.requests.filter((s) => s.path === "/v4/events/batch").map((s) => s.body);
    expect(new Set(bodies).size).toBe(1); // the same bytes each time: the retry overwrites, never duplicates
  });

  it("never retries a chunk without eventSalts (eventSalt: keep); its events come back as failed", async () => {
    failNext = 1;
    const report = await client().sendEvents([event(0), event(1)], { eventSalt: "keep", onRequest: record });
    expect(server.requests.filter((s) => s.path === "/v4/events/batch")).toHaveLength(1);
    expect(report.ok).toBe(false);
    expect(report.failed.map((f) => f.position)).toEqual([0, 1]);
    expect(report.failed[0]!.error).toBeInstanceOf(ServerError);
    expect(report.failed[0]!.error.vendorMessage).toBe("try later");
    expect(requests[0]).toMatchObject({ status: "failed", error: { status: 500 } });
  });

  it("keeps going after a failed chunk: later chunks are still sent and reported", async () => {
    failNext = 1;
    const report = await client({ retry: false }).sendEvents(
      Array.from({ length: 3 }, (_, n) => event(n)),
      { maxEventsPerBatch: 1, onRequest: record },
    );
    expect(requests.map((c) => c.status)).toEqual(["failed", "accepted", "accepted"]);
    expect(report.failed.map((f) => f.position)).toEqual([0]);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([1, 2]);
  });
});

describe("completeEvent", () => {
  it("fills eventSalt and time once, keeps given ones, and refuses what sendEvents would refuse", async () => {
    const clock = createManualClock(Date.parse("2026-01-02T03:04:05.000Z"));
    const given = event(1);
    const done = completeEvent(given, 0, clock) as SyneriseEvent;
    expect(done.eventSalt).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.time).toBe("2026-01-02T03:04:05.000Z");
    expect(given).not.toHaveProperty("eventSalt");
    expect(completeEvent({ ...given, eventSalt: "kept", time: "2025-01-01T00:00:00Z" })).toMatchObject({
      eventSalt: "kept",
      time: "2025-01-01T00:00:00Z",
    });
    const refused = completeEvent({ ...given, eventSalt: "", client: {} }, 7);
    expect(refused).toBeInstanceOf(InvalidItem);
    expect((refused as InvalidItem).issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      "events[7] eventSalt must be a non-empty string (omit it to have a UUID filled in)",
      "events[7] client must carry one of id, uuid, customId, email",
    ]);
    // a completed event is sent exactly as it is: the salt a queue stored is the salt Synerise sees
    const report = await client().sendEvents([done]);
    expect(report.ok).toBe(true);
    expect(batches[0]!.events[0]).toEqual(done);
  });
});
