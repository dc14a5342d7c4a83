// Bad input fails alone and typed, aborts are reported as such, credentials and raw event posts are
// checked before the network — against the Prism mock or a scripted loopback server.
import { afterEach, describe, expect, inject, it } from "vitest";
import { AbortedError } from "@cdpkit/core";
import { createDfineryClient, InvalidInputError, type DfineryEventInput } from "../src/index.js";
import { createTestServer, json } from "@cdpkit/testkit";

const OK_ENVELOPE = { status: true, code: "20000", message: "OK", data: true };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const identity = { external_id: "dfn-user-123" };
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});
type Body = { events: { event_name: string; event_log_id: string }[] };

describe("sendEvents: a bad event fails alone, named by its path", () => {
  it("circular, BigInt, NaN/Infinity, invalid Date, impossible datetimes, oversized: each rejected; the valid ones accepted by the mock", async () => {
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: inject("dfineryMockUrl"), retry: false });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const events: DfineryEventInput[] = [
      { event_name: "ok_0" },
      { event_name: "circular", event_properties: circular as never },
      { event_name: "bigint", event_properties: { price: 10n } as never },
      { event_name: "nan", event_properties: { price: Number.NaN } },
      { event_name: "infinite_item", event_items: [{ df_price: Number.POSITIVE_INFINITY }] },
      { event_name: "bad_date", event_datetime: new Date("x") },
      { event_name: "month_13", event_datetime: "2025-13-45T99:99:99Z" },
      { event_name: "feb_30", event_datetime: "2025-02-30T00:00:00Z" },
      { event_name: "huge", event_properties: { blob: "x".repeat(1_000_001) } },
      { event_name: "ok_9", event_datetime: "2024-02-29T23:59:59.999Z" },
    ];
    const report = await client.sendEvents(identity, events);
    expect(report.acceptedItems!.map((a) => a.item.event_name)).toEqual(["ok_0", "ok_9"]);
    expect(report.accepted + report.failed.length).toBe(events.length);
    for (const f of report.failed) expect(f.error).toBeInstanceOf(InvalidInputError);
    const paths = report.failed.map((f) => (f.error as InvalidInputError).issues.map((i) => i.path));
    expect(paths).toEqual([
      ["events[1].event_properties.self"],
      ["events[2].event_properties.price"],
      ["events[3].event_properties.price"],
      ["events[4].event_items[0].df_price"],
      ["events[5].event_datetime"],
      ["events[6].event_datetime"],
      ["events[7].event_datetime"],
      ["events[8]"],
    ]);
    expect(report.failed[7]?.error.message).toMatch(/at most 1000000 per event/);
  });

  it("event_log_id '' is rejected in sendEvents too", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, OK_ENVELOPE));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const report = await client.sendEvents(identity, [{ event_name: "a", event_log_id: "" }, { event_name: "b" }]);
    expect(report.failed.map((f) => (f.error as InvalidInputError).issues[0]?.path)).toEqual(["events[0].event_log_id"]);
    expect(report.acceptedItems!.map((a) => a.item.event_name)).toEqual(["b"]);
  });
});

describe("export dates", () => {
  it("a day that does not exist (2025-02-30) is rejected before the network", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, {}));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", exportToken: "etok", baseUrl: server.url });
    const err = await client
      .exportEvents({ events_condition_type: "all", from_date: "2025-02-30", to_date: "2025-03-01" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual(["from_date"]);
    const leap = await client
      .exportEvents({ events_condition_type: "all", from_date: "2023-02-29", to_date: "2023-03-01" })
      .catch((e: unknown) => e);
    expect(leap).toBeInstanceOf(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("abort", () => {
  it("while a request is held open: resolves promptly, accepted stay accepted, the rest are AbortedError with the reason", async () => {
    const held: (() => void)[] = [];
    const controller = new AbortController();
    const server = await createTestServer((req, res) => {
      if (req.seq === 1) return json(res, 200, OK_ENVELOPE);
      held.push(() => json(res, 200, OK_ENVELOPE)); // never answered before the abort
    });
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const events = Array.from({ length: 300 }, (_, i) => ({ event_name: `e${i}` }));
    const pending = client.sendEvents(identity, events, { concurrency: 1, signal: controller.signal });
    for (let waited = 0; server.requests.length < 2 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(server.requests).toHaveLength(2);
    const reason = new Error("caller stopped");
    const abortedAt = performance.now();
    controller.abort(reason);
    const report = await pending;
    // Prompt rather than at a timeout (the held request never ends; timeouts are 30 s). About 2 ms on a
    // quiet machine; the bound leaves room for a loaded 2-core CI run.
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(report.accepted).toBe(100);
    expect(report.accepted + report.failed.length).toBe(300);
    expect(report.failed).toHaveLength(200);
    for (const f of report.failed) {
      expect(f.error).toBeInstanceOf(AbortedError);
      expect(f.error.cause).toBe(reason);
    }
    expect(server.requests).toHaveLength(2); // the third batch was never started
    held.forEach((answer) => answer());
  });
});

describe("credentials with CR, LF or NUL", () => {
  it.each([
    ["importToken", { importToken: "imp-secret\r\nX-Evil: 1" }],
    ["exportToken", { importToken: "fine", exportToken: "exp-secret\0" }],
    ["importToken", { importToken: "imp-secret\n" }],
  ])("%s is rejected at creation, the value never echoed", (path, tokens) => {
    const error = (() => {
      try {
        createDfineryClient({ serviceId: "svc", ...tokens });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toContain(path);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toMatch(/secret/);
  });
});

describe("raw POST /api/v1/events", () => {
  it("fills event_log_id in a copy, so a retried request carries the same ids", async () => {
    const server = await createTestServer((req, res) =>
      req.seq === 1 ? json(res, 500, { status: false, code: 50000, message: "INTERNAL_SERVER_ERROR" }) : json(res, 200, OK_ENVELOPE),
    );
    close = server.close;
    const client = createDfineryClient({
      serviceId: "svc",
      importToken: "tok",
      baseUrl: server.url,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    const body = {
      common: { identity },
      events: [
        { event_name: "a", event_datetime: "2024-06-24T06:42:25.394Z", event_properties: null, event_items: null },
        {
          event_name: "b",
          event_log_id: "464bc021-9c56-481e-8ee8-3bf06de7c418",
          event_datetime: "2024-06-24T06:42:25.394Z",
          event_properties: null,
          event_items: null,
        },
      ],
    };
    const { response } = await client.POST("/api/v1/events", { body: body as never });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    const ids = server.requests.map((r) => (r.json as Body).events.map((e) => e.event_log_id));
    expect(ids[0]![0]).toMatch(UUID);
    expect(ids[0]![1]).toBe("464bc021-9c56-481e-8ee8-3bf06de7c418");
    expect(ids[1]).toEqual(ids[0]);
    expect(body.events[0]).not.toHaveProperty("event_log_id"); // the caller's body is not modified
  });

  it("event_log_id '' is an InvalidInputError before the network", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, OK_ENVELOPE));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const err = await client
      .POST("/api/v1/events", {
        body: {
          common: { identity },
          events: [
            { event_name: "a", event_log_id: "", event_datetime: "2024-06-24T06:42:25.394Z", event_properties: null, event_items: null },
          ],
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual(["body.events[0].event_log_id"]);
    expect(server.requests).toHaveLength(0);
  });
});
