// OAuth2 token lifecycle, per-method limits, User-Agent and the event helpers against a local server.
import type { BatchRequestResult } from "@cdpkit/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "@cdpkit/core";
import { createTestServer, json, type RecordedRequest, type TestServer } from "@cdpkit/testkit";
import { InvalidItem } from "@cdpkit/core/batch";
import { AuthError, createKameleoonClient, DEFAULT_USER_AGENT, InvalidInputError, type VisitEvent } from "../src/index.js";
import { completeProductEvent, completeVisitEvent, encodeEventLine, newNonce } from "../src/events-entry.js";

const SECRET = "kameleoon-client-secret-42";
let server: TestServer;
let issued = 0;
let valid = new Set<string>();
let tokenDelayMs = 0;
let expiresIn = 3600;
/** Answers 401 to every token, even fresh ones (a revoked client). */
let rejectAllTokens = false;
/** Bodies above this many bytes get 413 (a server stricter than the docs' smallest limit). */
let maxBody = Infinity;
let url: string;
beforeAll(async () => {
  server = await createTestServer(async (req, res) => {
    if (req.path === "/oauth/token") {
      const form = new URLSearchParams(req.body);
      if (form.get("client_secret") !== SECRET) return json(res, 401, { error: "invalid_client" });
      issued++;
      if (tokenDelayMs) await new Promise((r) => setTimeout(r, tokenDelayMs));
      const token = `token-${issued}`;
      valid.add(token);
      return json(res, 200, { access_token: token, expires_in: expiresIn });
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, "");
    if (auth !== undefined && (rejectAllTokens || !valid.has(auth))) return void (res.writeHead(401), res.end());
    if (Buffer.byteLength(req.body) > maxBody) return void (res.writeHead(413), res.end());
    if (req.method === "GET") return json(res, 200, {});
    res.writeHead(204);
    res.end();
  });
  url = server.url;
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  issued = 0;
  valid = new Set();
  tokenDelayMs = 0;
  expiresIn = 3600;
  rejectAllTokens = false;
  maxBody = Infinity;
});
const auth = () => ({ clientId: "client-1", clientSecret: SECRET, tokenUrl: `${url}/oauth/token` });
const data = (s: RecordedRequest[]) => s.filter((x) => x.path !== "/oauth/token");
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));
/** Waits (real time, up to 10 s on a loaded machine) until `count()` reaches n, then a little more so extra requests would show. */
async function settle(count: () => number, n: number): Promise<void> {
  for (let waited = 0; count() < n && waited < 10_000; waited += 10) await tick(10);
  await tick(50);
}

describe("OAuth2 client credentials", () => {
  it("requests a token form-encoded, once for 100 concurrent requests", async () => {
    tokenDelayMs = 50;
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, auth: auth(), rateLimit: false });
    const results = await Promise.all(Array.from({ length: 100 }, () => client.GET("/map/map", { params: { query: { key: "k" } } })));
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(issued).toBe(1);
    const tokenRequest = server.requests.find((s) => s.path === "/oauth/token")!;
    expect(tokenRequest.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: SECRET,
    });
    expect(new Set(data(server.requests).map((s) => s.headers.authorization))).toEqual(new Set(["Bearer token-1"]));
  });
  it("keeps the token until shortly before expires_in, then requests a new one", async () => {
    const clock = createManualClock(1_000_000);
    expiresIn = 600;
    const client = createKameleoonClient({
      siteCode: "s",
      baseUrl: url,
      auth: auth(),
      clock,
      rateLimit: false,
      retry: false,
      timeoutMs: 0,
      totalTimeoutMs: 0,
    });
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    await clock.advance(600_000 - 60_001);
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    expect(issued).toBe(1);
    await clock.advance(1);
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    expect(issued).toBe(2);
    expect(data(server.requests).map((s) => s.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-1", "Bearer token-2"]);
  });
  it("drops the token on 401, fetches another and replays the request once, body included", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, auth: auth(), rateLimit: false });
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    valid.clear();
    const { response } = await client.POST("/map/maps", { body: { k: { a: 1 } } });
    expect(response.status).toBe(204);
    const posts = server.requests.filter((s) => s.path === "/map/maps");
    expect(posts.map((p) => [p.headers.authorization, p.body])).toEqual([
      ["Bearer token-1", '{"k":{"a":1}}'],
      ["Bearer token-2", '{"k":{"a":1}}'],
    ]);
    expect(client.auth.stats).toEqual({ requested: 2, invalidated: 1 });
  });
  it("replays a 401 only once: a fresh token that is refused too comes back as the 401", async () => {
    rejectAllTokens = true;
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, auth: auth(), rateLimit: false });
    const { response } = await client.POST("/map/maps", { body: { k: { a: 1 } } });
    expect(response.status).toBe(401);
    expect(server.requests.filter((s) => s.path === "/map/maps").map((s) => s.headers.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
    expect(issued).toBe(2);
    const strict = createKameleoonClient({ siteCode: "s", baseUrl: url, auth: auth(), rateLimit: false, throwOnError: true });
    const error = await strict.GET("/map/map", { params: { query: { key: "k" } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    expect(JSON.stringify(error) + String(error) + String((error as Error).stack)).not.toMatch(/token-\d|kameleoon-client-secret/);
  });
  it("a token answer without expires_in is kept until a 401", async () => {
    const clock = createManualClock(0);
    expiresIn = undefined as unknown as number;
    const client = createKameleoonClient({
      siteCode: "s",
      baseUrl: url,
      auth: auth(),
      clock,
      rateLimit: false,
      retry: false,
      timeoutMs: 0,
      totalTimeoutMs: 0,
    });
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    await clock.advance(30 * 24 * 3600_000);
    await client.GET("/map/map", { params: { query: { key: "k" } } });
    expect(issued).toBe(1);
  });
  it("a refused token request fails the call with an AuthError that hides the secret", async () => {
    const client = createKameleoonClient({ baseUrl: url, auth: { ...auth(), clientSecret: `wrong-${SECRET}` }, rateLimit: false });
    const error = await client.GET("/map/map", { params: { query: { siteCode: "s", key: "k" } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(JSON.stringify(error) + String(error)).not.toContain(SECRET);
    expect(data(server.requests)).toHaveLength(0);
  });
});

describe("per-method limits", () => {
  const fire = (client: ReturnType<typeof createKameleoonClient>, method: "GET" | "POST", n: number) =>
    Array.from({ length: n }, () =>
      method === "GET" ? client.GET("/map/map", { params: { query: { key: "k" } } }) : client.POST("/map/maps", { body: { k: {} } }),
    );
  it("unauthenticated: GET 5/s, while POST has its own 50/s budget", async () => {
    const clock = createManualClock(0);
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, clock, retry: false, timeoutMs: 0, totalTimeoutMs: 0 });
    const gets = fire(client, "GET", 6);
    const posts = fire(client, "POST", 51);
    await Promise.all(posts.slice(0, 50));
    await settle(() => server.requests.filter((x) => x.method === "GET").length, 5);
    // Each method has its own bucket: 50 POSTs went out while the 6th GET and the 51st POST wait.
    expect(server.requests.filter((s) => s.method === "GET")).toHaveLength(5);
    expect(server.requests.filter((s) => s.method === "POST")).toHaveLength(50);
    expect(clock.pending()).toBe(2);
    await clock.advance(1000);
    await Promise.all([...gets, ...posts]);
    expect(server.requests.filter((s) => s.method === "GET")).toHaveLength(6);
    expect(server.requests.filter((s) => s.method === "POST")).toHaveLength(51);
  });
  it("authenticated: GET 50/s", async () => {
    const clock = createManualClock(0);
    const client = createKameleoonClient({
      siteCode: "s",
      baseUrl: url,
      auth: auth(),
      clock,
      retry: false,
      timeoutMs: 0,
      totalTimeoutMs: 0,
    });
    const gets = fire(client, "GET", 51);
    await settle(() => data(server.requests).filter((x) => x.method === "GET").length, 50);
    expect(data(server.requests).filter((s) => s.method === "GET")).toHaveLength(50);
    await clock.advance(1000);
    await Promise.all(gets);
    expect(data(server.requests).filter((s) => s.method === "GET")).toHaveLength(51);
  });
});

describe("per-method limits (authenticated writes, overrides)", () => {
  it("authenticated: POST 1000/s, on a budget of its own", async () => {
    const clock = createManualClock(0);
    const client = createKameleoonClient({
      siteCode: "s",
      baseUrl: url,
      auth: auth(),
      clock,
      retry: false,
      timeoutMs: 0,
      totalTimeoutMs: 0,
    });
    const posts = Array.from({ length: 1001 }, () => client.POST("/map/maps", { body: { k: {} } }));
    const gets = Array.from({ length: 3 }, () => client.GET("/map/map", { params: { query: { key: "k" } } }));
    const count = (m: string) => data(server.requests).filter((x) => x.method === m).length;
    await settle(() => count("POST") + count("GET"), 1003);
    expect(count("POST")).toBe(1000);
    expect(count("GET")).toBe(3);
    await clock.advance(1000);
    await Promise.all([...posts, ...gets]);
    expect(count("POST")).toBe(1001);
  });
  it("rules can be overridden per method, or switched off", async () => {
    const clock = createManualClock(0);
    const client = createKameleoonClient({
      siteCode: "s",
      baseUrl: url,
      clock,
      retry: false,
      timeoutMs: 0,
      totalTimeoutMs: 0,
      rateLimit: { rules: { GET: { limit: 2, intervalMs: 1000 } } },
    });
    const gets = Array.from({ length: 3 }, () => client.GET("/map/map", { params: { query: { key: "k" } } }));
    await settle(() => server.requests.length, 2);
    expect(server.requests).toHaveLength(2);
    await clock.advance(1000);
    await Promise.all(gets);
    expect(server.requests).toHaveLength(3);
    server.reset();
    const free = createKameleoonClient({ siteCode: "s", baseUrl: url, clock, rateLimit: false });
    await Promise.all(Array.from({ length: 20 }, () => free.GET("/map/map", { params: { query: { key: "k" } } })));
    expect(server.requests).toHaveLength(20);
  });
});

describe("input checks (nothing sent)", () => {
  const client = createKameleoonClient({ baseUrl: url ?? "http://127.0.0.1:9", rateLimit: false });
  it.each([
    ["siteCode missing", () => client.GET("/map/map", { params: { query: { key: "k" } } }), /siteCode is required/],
    [
      "no visitorCode nor mappingValue",
      () => client.GET("/visit/visitor", { params: { query: { siteCode: "s", maxNumberPreviousVisits: 1 } } }),
      /visitorCode or mappingValue is required/,
    ],
    [
      "keys not a JSON array",
      () => client.GET("/map/maps", { params: { query: { siteCode: "s", keys: "key1,key2" } } }),
      /keys must be a JSON array of strings/,
    ],
    [
      "101 keys",
      () =>
        client.GET("/map/maps", {
          params: { query: { siteCode: "s", keys: JSON.stringify(Array.from({ length: 101 }, (_, n) => `k${n}`)) } },
        }),
      /holds 101 keys; at most 100/,
    ],
    [
      "a map key over 100 characters",
      () => client.POST("/map/maps", { params: { query: { siteCode: "s" } }, body: { ["k".repeat(101)]: { a: 1 } } }),
      /key longer than 100 characters/,
    ],
    [
      "a field name over 1024 characters",
      () => client.POST("/map/maps", { params: { query: { siteCode: "s" } }, body: { k: { ["f".repeat(1025)]: 1 } } }),
      /field name is longer than 1024/,
    ],
    [
      "a visitor code over 100 characters",
      () => client.POST("/visit/forget", { params: { query: { siteCode: "s" } }, body: `ok\n${"v".repeat(101)}` }),
      /body line 2 visitor code longer than 100/,
    ],
  ])("%s -> InvalidInputError", async (_, call, message) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe("requests", () => {
  it("carry a custom User-Agent by default, or the one given", async () => {
    await createKameleoonClient({ siteCode: "s", baseUrl: url }).GET("/map/map", { params: { query: { key: "k" } } });
    await createKameleoonClient({ siteCode: "s", baseUrl: url, userAgent: "acme-sync/2.0" }).GET("/map/map", {
      params: { query: { key: "k" } },
    });
    expect(server.requests.map((s) => s.headers["user-agent"])).toEqual([DEFAULT_USER_AGENT, "acme-sync/2.0"]);
    expect(server.requests[0]!.query.get("siteCode")).toBe("s");
  });
  it("bad options are named", () => {
    expect(() => createKameleoonClient({ auth: { clientId: "", clientSecret: SECRET }, region: "mars" as never })).toThrow(
      InvalidInputError,
    );
    expect(() => createKameleoonClient({ auth: { clientId: "", clientSecret: SECRET } })).toThrow(
      /auth\.clientId must be a non-empty string/,
    );
    expect(() => createKameleoonClient({ region: "mars" as never })).toThrow(/region must be one of eu-io, na-io, eu-eu, na-eu/);
  });
});

describe("event helpers", () => {
  it("encode one event per line, values URL-encoded, objects as JSON, nonce last; nonces are 16 hex", () => {
    expect(encodeEventLine({ eventType: "customData", index: 2, valuesCountMap: { "a b": 1 }, nonce: "0123456789ABCDEF" })).toBe(
      "eventType=customData&index=2&valuesCountMap=%7B%22a+b%22%3A1%7D&nonce=0123456789ABCDEF",
    );
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const n of nonces) expect(n).toMatch(/^[0-9A-F]{16}$/);
  });
  it("send lines with a nonce per event, split so no body exceeds the limit, and report invalid events", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const events = Array.from({ length: 30 }, (_, n) => ({
      eventType: "page",
      href: `https://example.com/${"p".repeat(200)}/${n}`,
      title: `Page ${n}`,
      visitorCode: `v${n}`,
    }));
    const report = await client.sendVisitEvents([...events, { eventType: "", visitorCode: "v" }, { eventType: "page" }], {
      maxBodyBytes: 2000,
    });
    const posts = server.requests.filter((s) => s.path === "/visit/events");
    expect(posts.length).toBeGreaterThan(3);
    for (const p of posts) expect(Buffer.byteLength(p.body)).toBeLessThanOrEqual(2000);
    const lines = posts.flatMap((p) => p.body.split("\n"));
    expect(lines).toHaveLength(30);
    expect(lines.map((l) => new URLSearchParams(l).get("title"))).toEqual(events.map((e) => e.title));
    expect(new Set(lines.map((l) => new URLSearchParams(l).get("nonce"))).size).toBe(30);
    expect(report.accepted).toBe(30);
    expect(report.failed.map((f) => [f.position, f.error.message])).toEqual([
      [30, expect.stringContaining("eventType must be a non-empty string")],
      [31, expect.stringContaining("visitorCode is required")],
    ]);
    expect(posts[0]!.headers["content-type"]).toMatch(/^text\/plain/);
  });
  it("completeVisitEvent / completeProductEvent fill the nonce once as the helpers do; a bad common id is refused before the network", async () => {
    const given: VisitEvent = { eventType: "conversion", goalId: 3 };
    const done = completeVisitEvent(given, 0, "v-common") as VisitEvent;
    expect(done.nonce).toMatch(/^[0-9A-F]{16}$/);
    expect(given).not.toHaveProperty("nonce");
    expect(completeVisitEvent({ ...given, visitorCode: "v1", nonce: "0123456789abcdef" })).toMatchObject({ nonce: "0123456789abcdef" });
    const refused = completeVisitEvent({ ...given, nonce: "short" }, 4);
    expect(refused).toBeInstanceOf(InvalidItem);
    expect((refused as InvalidItem).issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      "events[4] nonce must be 16 hex characters",
      "events[4] visitorCode is required (per event, or once for all events)",
    ]);
    expect(completeProductEvent({ eventType: "PRODUCTBUY" }, 0)).toBeInstanceOf(InvalidItem);
    expect(completeProductEvent({ eventType: "PRODUCTBUY" }, 0, "sku-1")).not.toBeInstanceOf(InvalidItem);
    // a completed event goes out with the nonce it was given
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    expect((await client.sendVisitEvents([done], { visitorCode: "v-common" })).ok).toBe(true);
    const post = server.requests.find((s) => s.path === "/visit/events")!;
    expect(new URLSearchParams(post.body).get("nonce")).toBe(done.nonce);
    await expect(client.sendVisitEvents([done], { visitorCode: "" })).rejects.toThrow(
      /sendVisitEvents: visitorCode must be a non-empty string/,
    );
    await expect(client.sendProductEvents([{ eventType: "PRODUCTBUY" }], { ean: "e".repeat(101) })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(server.requests.filter((s) => s.path === "/visit/events" || s.path === "/product/events")).toHaveLength(1);
  });
  it("JSON mode sends arrays with json=true; a common ean goes in the query", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const report = await client.sendProductEvents([{ eventType: "PRODUCTBUY" }, { eventType: "PRODUCTADDTOCART" }], {
      format: "json",
      ean: "sku-9",
    });
    expect(report.ok).toBe(true);
    const post = server.requests.find((s) => s.path === "/product/events")!;
    expect(post.query.get("json")).toBe("true");
    expect(post.query.get("ean")).toBe("sku-9");
    expect(JSON.parse(post.body).map((e: { eventType: string }) => e.eventType)).toEqual(["PRODUCTBUY", "PRODUCTADDTOCART"]);
  });
  it("a 413 splits the body again: every event ends accepted exactly once; one event alone too large fails", async () => {
    maxBody = 1500;
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false });
    const events = Array.from({ length: 40 }, (_, n) => ({
      eventType: "conversion",
      goalId: 7,
      revenue: n,
      visitorCode: `visitor-${n}`,
      note: "x".repeat(60),
    }));
    const huge = { eventType: "conversion", goalId: 7, visitorCode: "big", note: "y".repeat(3000) };
    const requests: BatchRequestResult[] = [];
    const report = await client.sendVisitEvents([...events, huge], { onRequest: (r) => requests.push(r) });
    const posts = server.requests.filter((s) => s.path === "/visit/events");
    const taken = posts.filter((p) => Buffer.byteLength(p.body) <= maxBody).flatMap((p) => p.body.split("\n"));
    expect(taken.map((l) => Number(new URLSearchParams(l).get("revenue"))).sort((a, b) => a - b)).toEqual(events.map((_, n) => n));
    expect(report.acceptedItems!.map((a) => a.position)).toEqual(events.map((_, n) => n));
    expect(report.failed.map((f) => [f.position, f.error.status])).toEqual([[40, 413]]);
    expect(requests[0]).toMatchObject({ status: "split", error: { status: 413 } });
    expect(
      requests
        .filter((c) => c.status === "accepted")
        .flatMap((c) => c.positions)
        .sort((a, b) => a - b),
    ).toEqual(events.map((_, n) => n));
    // A split chunk's events were sent again with the same nonces.
    const nonces = (p: string) => p.split("\n").map((l) => new URLSearchParams(l).get("nonce"));
    expect(new Set(taken.map((l) => new URLSearchParams(l).get("nonce")))).toEqual(
      new Set(nonces(posts[0]!.body).filter((_, i) => i < 40)),
    );
    expect(report.ok).toBe(false);
  });
  it("a failed request fails exactly its chunk's events, with the reason; the others are accepted", async () => {
    const client = createKameleoonClient({ siteCode: "s", baseUrl: url, rateLimit: false, retry: false });
    maxBody = 1000;
    const small = Array.from({ length: 3 }, (_, n) => ({ eventType: "PRODUCTBUY", ean: `sku-${n}` }));
    const big = { eventType: "PRODUCTPAGE", ean: "sku-big", name: "z".repeat(2000) };
    const requests: BatchRequestResult[] = [];
    const report = await client.sendProductEvents([...small, big], { maxBodyBytes: 2100, onRequest: (r) => requests.push(r) });
    expect(requests.map((c) => [c.positions, c.status, c.error?.status])).toEqual([
      [[0, 1, 2], "accepted", undefined],
      [[3], "failed", 413],
    ]);
    expect(report.failed.map((f) => f.position)).toEqual([3]);
  });
});
