// Bad input fails alone and typed, aborts are reported as such, credentials are checked at creation,
// and every recently issued JWT stays redacted — against a scripted loopback server.
import type { BatchRequestResult } from "@cdpkit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AbortedError, createManualClock } from "@cdpkit/core";
import { createSyneriseClient, InvalidInputError, type SyneriseEvent } from "../src/index.js";
import { sendEventBatches } from "../src/events.js";
import { createTestServer, json, makeJwt, type TestServer } from "@cdpkit/testkit";

let server: TestServer;
beforeEach(async () => {
  server = await createTestServer();
});
afterEach(() => server.close());

const client = (extra: object = {}) =>
  createSyneriseClient({ auth: { type: "jwt", token: "hardening-test-jwt" }, baseUrl: server.url, retry: false, ...extra });
const event = (n: number, params: Record<string, unknown> = { n }): SyneriseEvent => ({
  label: "page visit",
  type: "custom",
  action: "page.visit",
  client: { customId: `c-${n}` },
  params,
});
const sentEvents = () => server.requests.filter((s) => s.path === "/v4/events/batch").flatMap((s) => JSON.parse(s.body) as SyneriseEvent[]);
const issuePaths = (error: unknown) => (error as InvalidInputError).issues.map((i) => i.path);

describe("sendEvents: a bad event fails alone, named by its path", () => {
  it("circular, BigInt, NaN, Infinity, an invalid Date, impossible times: each rejected, the rest sent", async () => {
    server.route("POST /v4/events/batch", (_req, res) => void (res.writeHead(202), res.end()));
    const circular: Record<string, unknown> = { a: 1 };
    circular.again = { inner: circular };
    const events = [
      event(0),
      event(1, { cart: circular }),
      event(2, { price: 10n }),
      event(3, { price: Number.NaN }),
      event(4, { items: [{ qty: Number.NEGATIVE_INFINITY }] }),
      event(5, { at: new Date("x") }),
      { ...event(6), time: "2025-13-45T99:99:99Z" },
      { ...event(7), time: "2025-02-30T10:00:00+01:00" },
      event(8),
    ];
    const report = await client().sendEvents(events);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([0, 8]);
    expect(report.accepted + report.failed.length).toBe(events.length);
    for (const f of report.failed) expect(f.error).toBeInstanceOf(InvalidInputError);
    expect(report.failed.map((f) => issuePaths(f.error))).toEqual([
      ["events[1].params.cart.again.inner"],
      ["events[2].params.price"],
      ["events[3].params.price"],
      ["events[4].params.items[0].qty"],
      ["events[5].params.at"],
      ["events[6]"],
      ["events[7]"],
    ]);
    expect(report.failed[5]!.error.message).toMatch(/time is not a real date and time/);
    expect(sentEvents().map((e) => (e.params as { n: number }).n)).toEqual([0, 8]);
  });
});

describe("abort", () => {
  it("while a chunk is held open: resolves promptly, accepted stay accepted, the rest are AbortedError with the reason", async () => {
    let hits = 0;
    server.route("POST /v4/events/batch", (_req, res) => {
      if (++hits === 1) return void (res.writeHead(202), res.end());
      // the second chunk is never answered
    });
    const controller = new AbortController();
    const events = Array.from({ length: 6 }, (_, n) => event(n));
    const requests: BatchRequestResult[] = [];
    const pending = client().sendEvents(events, { maxEventsPerBatch: 2, signal: controller.signal, onRequest: (r) => requests.push(r) });
    for (let waited = 0; hits < 2 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(hits).toBe(2);
    const reason = new Error("caller stopped");
    const abortedAt = performance.now();
    controller.abort(reason);
    const report = await pending;
    // Prompt rather than at a timeout (the held request never ends; timeouts are 30 s). About 2 ms on a
    // quiet machine; the bound leaves room for a loaded 2-core CI run.
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([0, 1]);
    expect(report.accepted + report.failed.length).toBe(6);
    expect(report.failed.map((f) => f.position)).toEqual([2, 3, 4, 5]);
    for (const f of report.failed) {
      expect(f.error).toBeInstanceOf(AbortedError);
      expect(f.error.cause).toBe(reason);
    }
    expect(requests.map((c) => c.status)).toEqual(["accepted", "failed", "failed"]);
    expect(hits).toBe(2); // no chunk started after the abort
  });

  it("hands the caller's signal to every request it sends", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const controller = new AbortController();
    const report = await sendEventBatches([event(0), event(1), event(2)], {
      maxEventsPerBatch: 1,
      signal: controller.signal,
      redactor: undefined as never,
      post: async (_body, _safe, signal) => {
        signals.push(signal);
        return { response: new Response(null, { status: 202 }) };
      },
    });
    expect(report.ok).toBe(true);
    expect(signals).toEqual([controller.signal, controller.signal, controller.signal]);
  });
});

describe("credentials with CR, LF or NUL", () => {
  const SECRET = "s3cr3t-value";
  it.each([
    ["auth.apiKey", { auth: { type: "workspace", apiKey: `${SECRET}\r\nX-Evil: 1` } }],
    ["auth.token", { auth: { type: "jwt", token: `${SECRET}\n` } }],
    ["auth.password", { auth: { type: "user", username: "u", password: `${SECRET}\0`, workspace: "w" } }],
    ["trackerKey", { trackerKey: `${SECRET}\r` }],
  ])("%s is rejected at creation, the value never echoed", (path, options) => {
    let error: unknown;
    try {
      createSyneriseClient({ baseUrl: server.url, ...(options as object) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(issuePaths(error)).toContain(path);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(SECRET);
  });

  it("a JWT function returning one is refused on use, unechoed, before any request", async () => {
    const c = createSyneriseClient({ auth: { type: "jwt", token: () => `${SECRET}\r\n` }, baseUrl: server.url, retry: false });
    const error = await c.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(issuePaths(error)).toEqual(["auth.token"]);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(SECRET);
    expect(server.requests).toHaveLength(0);
  });
});

describe("renewed JWTs", () => {
  it("the predecessor of a renewed token is still redacted", async () => {
    const clock = createManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const issued: string[] = [];
    server.route("POST /v4/auth/login/profile", (_req, res) => {
      const token = makeJwt({ sub: "workspace", n: issued.length + 1, exp: Math.floor(clock.now() / 1000) + 3600 });
      issued.push(token);
      json(res, 200, { token });
    });
    // The server complains about the old token by value (as a late error might).
    server.route("GET /v4/clients/42", (_req, res) =>
      json(res, 400, { status: 400, error: "Bad Request", message: `stale credential ${issued[0]} seen` }),
    );
    const c = createSyneriseClient({
      auth: { type: "workspace", apiKey: "api-key" },
      baseUrl: server.url,
      clock,
      retry: false,
      throwOnError: true,
    });
    const get = () => c.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } }).catch((e: unknown) => e);
    await get();
    await clock.advance(3600_000 - 300_000); // inside the refresh window: the next call renews
    const error = await get();
    expect(issued).toHaveLength(2);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain("stale credential");
    expect(text).not.toContain(issued[0]!);
  });
});
