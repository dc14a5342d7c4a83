// Bad input fails alone and typed, aborts are reported as such, credentials are checked at creation —
// against a scripted loopback server.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortedError } from "@cdpkit/core";
import { createTestServer, type TestServer } from "@cdpkit/testkit";
import { createKameleoonClient, InvalidInputError } from "../src/index.js";
import { sendEventChunks } from "../src/events.js";

let server: TestServer;
const held: ServerResponse[] = [];
let url: string;
beforeAll(async () => {
  server = await createTestServer();
  url = server.url;
});
afterAll(() => server.close());
const noContent = (res: ServerResponse) => void (res.writeHead(204), res.end());
beforeEach(() => {
  server.reset();
  server.fallback((_req, res) => noContent(res));
});
const issuePaths = (error: unknown) => (error as InvalidInputError).issues.map((i) => i.path);

describe("a bad event fails alone, named by its path", () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  it("visit events (lines): circular, BigInt, NaN, Infinity, invalid Date rejected; the rest sent", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const events = [
      { eventType: "page", visitorCode: "v0" },
      { eventType: "customData", visitorCode: "v1", valuesCountMap: circular },
      { eventType: "customData", visitorCode: "v2", valuesCountMap: { n: 10n } },
      { eventType: "conversion", visitorCode: "v3", goalId: 7, revenue: Number.NaN },
      { eventType: "conversion", visitorCode: "v4", goalId: 7, revenue: Number.POSITIVE_INFINITY },
      { eventType: "customData", visitorCode: "v5", valuesCountMap: { at: new Date("x") } },
      { eventType: "page", visitorCode: "v6" },
    ];
    const report = await client.sendVisitEvents(events as never);
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([0, 6]);
    expect(report.accepted + report.failed.length).toBe(events.length);
    for (const f of report.failed) expect(f.error).toBeInstanceOf(InvalidInputError);
    expect(report.failed.map((f) => issuePaths(f.error))).toEqual([
      ["events[1].valuesCountMap.self"],
      ["events[2].valuesCountMap.n"],
      ["events[3].revenue"],
      ["events[4].revenue"],
      ["events[5].valuesCountMap.at"],
    ]);
    const lines = server.requests.filter((s) => s.path === "/visit/events").flatMap((s) => s.body.split("\n"));
    expect(lines.map((l) => new URLSearchParams(l).get("visitorCode"))).toEqual(["v0", "v6"]);
  });

  it("product events (json): a BigInt or a cycle fails its event, not the call", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const events = [
      { eventType: "PRODUCTBUY", ean: "a", quantity: 2n },
      { eventType: "PRODUCTPAGE", ean: "b", extra: circular },
      { eventType: "PRODUCTBUY", ean: "c" },
    ];
    const report = await client.sendProductEvents(events as never, { format: "json" });
    expect(report.acceptedItems!.map((a) => a.position)).toEqual([2]);
    expect(report.failed.map((f) => issuePaths(f.error))).toEqual([["events[0].quantity"], ["events[1].extra.self"]]);
    expect(JSON.parse(server.requests[0]!.body).map((e: { ean: string }) => e.ean)).toEqual(["c"]);
  });
});

describe("abort", () => {
  it("while a body is held open: resolves promptly, accepted stay accepted, the rest are AbortedError with the reason", async () => {
    server.fallback((req, res) => void (req.seq === 1 ? noContent(res) : held.push(res)));
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const controller = new AbortController();
    const events = Array.from({ length: 30 }, (_, n) => ({
      eventType: "page",
      href: `https://example.com/${"p".repeat(200)}/${n}`,
      visitorCode: `v${n}`,
    }));
    const pending = client.sendVisitEvents(events, { maxBodyBytes: 2000, signal: controller.signal });
    for (let waited = 0; server.requests.length < 2 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(server.requests).toHaveLength(2);
    const reason = new Error("caller stopped");
    const abortedAt = performance.now();
    controller.abort(reason);
    const report = await pending;
    // Prompt rather than at a timeout (the held request never ends; timeouts are 30 s). About 2 ms on a
    // quiet machine; the bound leaves room for a loaded 2-core CI run.
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    const firstChunk = server.requests[0]!.body.split("\n").length;
    expect(report.accepted).toBe(firstChunk);
    expect(report.accepted + report.failed.length).toBe(30);
    for (const f of report.failed) {
      expect(f.error).toBeInstanceOf(AbortedError);
      expect(f.error.cause).toBe(reason);
    }
    expect(server.requests).toHaveLength(2); // no body started after the abort
    held.splice(0).forEach(noContent);
  });

  it("hands the caller's signal to every request it sends", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const controller = new AbortController();
    const events = Array.from({ length: 3 }, (_, n) => ({ eventType: "page", visitorCode: `v${n}`, note: "x".repeat(40) })) as {
      nonce?: string;
    }[];
    const report = await sendEventChunks(
      events,
      { maxBodyBytes: 150, signal: controller.signal },
      {
        idField: "visitorCode",
        redactor: undefined as never,
        errorFor: () => undefined as never,
        send: async (_body, _format, signal) => {
          signals.push(signal);
          return { response: new Response(null, { status: 204 }) };
        },
      },
    );
    expect(report.ok).toBe(true);
    expect(signals).toEqual([controller.signal, controller.signal, controller.signal]);
  });
});

describe("credentials with CR, LF or NUL", () => {
  const SECRET = "kameleoon-s3cr3t";
  it.each([
    ["auth.clientSecret", { clientId: "client-1", clientSecret: `${SECRET}\r\n` }],
    ["auth.clientId", { clientId: `${SECRET}\0`, clientSecret: "fine-secret" }],
  ])("%s is rejected at creation, the value never echoed", (path, auth) => {
    let error: unknown;
    try {
      createKameleoonClient({ baseUrl: url, auth });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(issuePaths(error)).toEqual([path]);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(SECRET);
  });
});
