import type { BatchRequestResult } from "@cdpkit/core";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  createDfineryClient,
  InvalidInputError,
  ServerError,
  VendorError,
  type DfineryEventInput,
  type DfineryIdentity,
} from "../src/index.js";
import { createTestServer, json } from "@cdpkit/testkit";

const OK_ENVELOPE = { status: true, code: "20000", message: "OK", data: true };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const identity = { external_id: "dfn-user-123" };
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

type Body = { common: { identity: unknown }; events: { event_log_id: string; event_items: unknown[] | null }[] };

describe("sendEvents against the Prism mock", () => {
  it("sends 250 events as 3 valid requests and accepts every one", async () => {
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: inject("dfineryMockUrl") });
    const events: DfineryEventInput[] = Array.from({ length: 250 }, (_, i) => ({
      event_name: "df_view_home",
      event_properties: { n: i },
    }));
    const requests: BatchRequestResult[] = [];
    const report = await client.sendEvents(identity, events, { onRequest: (r) => requests.push(r) });
    expect(report.ok).toBe(true);
    expect(requests.map((r) => r.positions.length)).toEqual([100, 100, 50]);
    expect(report.accepted).toBe(250);
    expect(report.failed).toHaveLength(0);
  });
});

describe("sendEvents against a scripted server", () => {
  it("fills a UUID event_log_id and timestamp, keeps given ones, and splits by events and items", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, OK_ENVELOPE));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ df_item_id: String(i) }));
    const events: DfineryEventInput[] = [
      {
        event_name: "df_purchase",
        event_log_id: "464bc021-9c56-481e-8ee8-3bf06de7c418",
        event_datetime: "2024-06-24T06:42:25.394Z",
        event_items: items(60),
      },
      { event_name: "df_purchase", event_items: items(60) }, // 120 items with the first: next request
      { event_name: "df_login", event_datetime: new Date("2024-06-24T00:00:00Z") },
    ];
    const report = await client.sendEvents(identity, events);
    expect(report.ok).toBe(true);
    const bodies = server.requests.map((r) => r.json as Body);
    expect(bodies.map((b) => b.events.length)).toEqual([1, 2]);
    for (const body of bodies) {
      const total = body.events.reduce((n, e) => n + (e.event_items?.length ?? 0), 0);
      expect(total).toBeLessThanOrEqual(100);
      expect(body.common.identity).toEqual(identity);
    }
    const sent = bodies.flatMap((b) => b.events);
    expect(sent[0]?.event_log_id).toBe("464bc021-9c56-481e-8ee8-3bf06de7c418");
    expect(sent[1]?.event_log_id).toMatch(UUID);
    expect(sent[2]).toMatchObject({ event_datetime: "2024-06-24T00:00:00.000Z", event_properties: null, event_items: null });
    expect(server.requests[0]?.url.searchParams.get("service_id")).toBe("svc");
    expect(server.requests[0]?.headers["access_token"]).toBe("tok");
    expect(server.requests[0]?.headers["authorization"]).toBeUndefined();
  });

  it("reports every event: invalid ones rejected with a reason, a failed batch returned, nothing dropped", async () => {
    // The second request fails for good (500 on every attempt); the rest succeed.
    const server = await createTestServer((req, res) => {
      const body = req.json as Body;
      if (body.events[0]?.event_log_id === "fail-0000")
        json(res, 500, { status: false, code: 50000, message: "INTERNAL_SERVER_ERROR", data: null });
      else json(res, 200, OK_ENVELOPE);
    });
    close = server.close;
    const client = createDfineryClient({
      serviceId: "svc",
      importToken: "tok",
      baseUrl: server.url,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    const events: DfineryEventInput[] = [
      ...Array.from({ length: 100 }, () => ({ event_name: "ok" })),
      { event_name: "ok", event_log_id: "fail-0000" },
      ...Array.from({ length: 99 }, () => ({ event_name: "ok" })),
      { event_name: "" }, // invalid: no name
      { event_name: "bad_time", event_datetime: "2024-06-24 06:00" }, // invalid: no zone
      { event_name: "huge", event_items: Array.from({ length: 101 }, () => ({})) }, // more items than one request takes
    ];
    const report = await client.sendEvents(identity, events, { concurrency: 1 });
    expect(report.ok).toBe(false);
    expect(report.accepted + report.failed.length).toBe(events.length);
    expect(report.accepted).toBe(100);
    const invalid = report.failed.filter((f) => f.error instanceof InvalidInputError);
    expect(invalid.map((f) => f.error.message)).toEqual([
      expect.stringContaining("events[200].event_name"),
      expect.stringContaining("events[201].event_datetime"),
      expect.stringContaining("events[202].event_items has 101 items"),
    ]);
    const serverFailed = report.failed.filter((f) => f.error instanceof ServerError);
    expect(serverFailed).toHaveLength(100);
    expect((serverFailed[0]?.item as { event_log_id?: string } | undefined)?.event_log_id).toBe("fail-0000");
    // POST /events is safe to repeat (event_log_id deduplicates): the failing batch was tried twice.
    const attempts = server.requests.filter((r) => (r.json as Body).events[0]?.event_log_id === "fail-0000");
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.body).toBe(attempts[1]?.body);
  });

  it("a status:false envelope fails its batch with the vendor code", async () => {
    const server = await createTestServer((_req, res) =>
      json(res, 200, { status: false, code: "40402", message: "TOO_MANY_EVENTS", data: true }),
    );
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const report = await client.sendEvents(identity, [{ event_name: "a" }, { event_name: "b" }]);
    expect(report.accepted).toBe(0);
    expect(report.failed).toHaveLength(2);
    expect(report.failed[0]?.error).toBeInstanceOf(VendorError);
    expect(report.failed[0]?.error.vendorCode).toBe(40402);
    expect(server.requests).toHaveLength(1); // a vendor rejection is not retried
  });

  it("an identity without keys is a typed error before anything is sent", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, OK_ENVELOPE));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    // The type already refuses it (tsc runs over the tests in `pnpm test`): at least one key.
    // @ts-expect-error an identity needs external_id, email, phone_no, kakao_user_id or line_user_id
    const empty: DfineryIdentity = {};
    const typed: DfineryIdentity = { email: "user@example.com" };
    expect(typed.email).toBe("user@example.com");
    await expect(client.sendEvents(empty, [{ event_name: "a" }])).rejects.toThrow(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });

  it("an aborted send reports the unsent batches as failed, not lost", async () => {
    const controller = new AbortController();
    const server = await createTestServer((_req, res) => {
      controller.abort(new Error("caller stopped"));
      json(res, 200, OK_ENVELOPE);
    });
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", importToken: "tok", baseUrl: server.url });
    const events = Array.from({ length: 300 }, () => ({ event_name: "e" }));
    const report = await client.sendEvents(identity, events, { concurrency: 1, signal: controller.signal });
    expect(report.accepted + report.failed.length).toBe(300);
    expect(report.failed.length).toBeGreaterThanOrEqual(200);
  });
});

describe("export helpers against a scripted server", () => {
  it("a JSON body with HTTP 200 (client_connection_closed) is an error, not rows", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, { result: "fail", message: "client_connection_closed" }));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", exportToken: "etok", baseUrl: server.url });
    const err = await client.exportUserProfiles({ audience: "a" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).vendorCode).toBe("client_connection_closed");
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer etok");
    expect(server.requests[0]?.headers["access_token"]).toBeUndefined();
  });

  it("bad dates are rejected before sending", async () => {
    const server = await createTestServer((_req, res) => json(res, 200, {}));
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", exportToken: "etok", baseUrl: server.url });
    await expect(client.exportEvents({ events_condition_type: "all", from_date: "2024-08-27", to_date: "2024-08-26" })).rejects.toThrow(
      /from_date is after to_date/,
    );
    await expect(client.exportEvents({ events_condition_type: "all", from_date: "2024/08/01", to_date: "2024-08-26" })).rejects.toThrow(
      InvalidInputError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("at most 5 exports run at once (the documented concurrency limit)", async () => {
    const server = await createTestServer(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      res.writeHead(200, { "content-type": "text/csv" });
      res.end("df_unified_id\nabc\n");
    });
    close = server.close;
    const client = createDfineryClient({ serviceId: "svc", exportToken: "etok", baseUrl: server.url });
    const runs = Array.from({ length: 8 }, async () => {
      const rows = [];
      for await (const row of await client.exportUserProfiles({ audience: "a" })) rows.push(row);
      return rows;
    });
    const results = await Promise.all(runs);
    expect(results.every((rows) => rows.length === 1 && rows[0]?.df_unified_id === "abc")).toBe(true);
    expect(server.requests).toHaveLength(8);
    expect(server.maxInFlight()).toBeLessThanOrEqual(5);
    expect(server.maxInFlight()).toBeGreaterThan(1);
  });
});
