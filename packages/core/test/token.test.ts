import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { ReplayableRequest } from "../src/call.js";
import { bindOperations, createOperationFetch } from "../src/operation-client.js";
import { createPolicyFetch } from "../src/policy.js";
import { TokenCache, jwtExpiresAt, type IssuedToken } from "../src/token.js";

const jwt = (payload: object): string =>
  ['{"alg":"none"}', JSON.stringify(payload)].map((p) => Buffer.from(p).toString("base64url")).join(".") + ".sig";

describe("jwtExpiresAt", () => {
  it("reads exp (seconds) as epoch milliseconds", () => {
    expect(jwtExpiresAt(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });
  it("is undefined for a token that is not a JWT or has no numeric exp", () => {
    expect(jwtExpiresAt("opaque-token")).toBeUndefined();
    expect(jwtExpiresAt(jwt({ sub: "x" }))).toBeUndefined();
    expect(jwtExpiresAt(jwt({ exp: "1700000000" }))).toBeUndefined();
    expect(jwtExpiresAt("a.!!!.c")).toBeUndefined();
  });
});

describe("TokenCache", () => {
  it("obtains once for any number of concurrent callers", async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new TokenCache({
      obtain: async () => {
        calls++;
        await gate;
        return { token: `t${calls}` };
      },
    });
    const all = Promise.all(Array.from({ length: 100 }, () => cache.get()));
    release();
    expect(new Set(await all)).toEqual(new Set(["t1"]));
    expect(calls).toBe(1);
    expect(await cache.get()).toBe("t1");
    expect(cache.stats.obtained).toBe(1);
  });

  it("renews a token inside refreshBeforeMs of expiry, preferring refresh while it is still valid", async () => {
    const clock = createManualClock(0);
    const issued: string[] = [];
    const cache = new TokenCache({
      clock,
      refreshBeforeMs: 1000,
      obtain: async () => {
        issued.push("login");
        return { token: `login-${issued.length}`, expiresAt: clock.now() + 10_000 };
      },
      refresh: async (current: IssuedToken) => {
        issued.push(`refresh:${current.token}`);
        return { token: `refreshed-${issued.length}`, expiresAt: clock.now() + 10_000 };
      },
    });
    expect(await cache.get()).toBe("login-1");
    await clock.advance(8_999);
    expect(await cache.get()).toBe("login-1");
    await clock.advance(1); // 1 s before expiry: due
    expect(await cache.get()).toBe("refreshed-2");
    await clock.advance(20_000); // long expired: refresh cannot help any more
    expect(await cache.get()).toBe("login-3");
    expect(issued).toEqual(["login", "refresh:login-1", "login"]);
    expect(cache.stats).toEqual({ obtained: 2, refreshed: 1, invalidated: 0 });
  });

  it("falls back to a new login when the refresh fails", async () => {
    const clock = createManualClock(0);
    let logins = 0;
    const cache = new TokenCache({
      clock,
      refreshBeforeMs: 5_000,
      obtain: async () => ({ token: `login-${++logins}`, expiresAt: clock.now() + 10_000 }),
      refresh: async () => {
        throw new Error("refresh endpoint down");
      },
    });
    await cache.get();
    await clock.advance(6_000);
    expect(await cache.get()).toBe("login-2");
  });

  it("invalidate(token) drops only the token that failed, not the one that replaced it", async () => {
    let n = 0;
    const cache = new TokenCache({ obtain: async () => ({ token: `t${++n}` }) });
    expect(await cache.get()).toBe("t1");
    cache.invalidate("t1");
    expect(await cache.get()).toBe("t2");
    cache.invalidate("t1"); // a late 401 of a request that used t1
    expect(await cache.get()).toBe("t2");
    expect(cache.stats.invalidated).toBe(1);
  });

  it("a failed login rejects every waiter and the next get tries again", async () => {
    let n = 0;
    const cache = new TokenCache({
      obtain: async () => {
        if (++n === 1) throw new Error("login refused");
        return { token: "ok" };
      },
    });
    const results = await Promise.allSettled([cache.get(), cache.get(), cache.get()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await cache.get()).toBe("ok");
    expect(n).toBe(2);
  });

  it("rejects an issuer that returns no token", async () => {
    const cache = new TokenCache({ obtain: async () => ({ token: "" }) });
    await expect(cache.get()).rejects.toThrow(/obtain returned no token/);
  });
});

describe("createOperationFetch onUnauthorized", () => {
  let url: string;
  let valid = "tok-2";
  const seen: { auth: string | undefined; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, body });
      const ok = req.headers.authorization === `Bearer ${valid}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { echoed: body } : { status: 401, error: "Unauthorized" }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const operations = [{ operationId: "create", method: "POST", path: "/things", security: [["jwt"]], idempotent: false }] as const;
  interface Paths {
    "/things": {
      post: {
        requestBody: { content: { "application/json": { name: string } } };
        responses: { 200: { content: { "application/json": { echoed: string } } }; 401: { content: { "application/json": unknown } } };
      };
    };
  }

  function build(replay: boolean, fetchImpl?: typeof fetch) {
    let n = 0;
    const tokens = new TokenCache({ obtain: async () => ({ token: `tok-${++n}` }) });
    const transport = createOperationFetch({
      operations,
      baseUrl: url,
      schemes: { jwt: { type: "http", scheme: "bearer" } },
      credentials: { jwt: () => tokens.get() },
      fetch: createPolicyFetch({ vendor: "acme", retry: false, ...(fetchImpl ? { fetch: fetchImpl } : {}) }),
      onUnauthorized: ({ request }) => {
        tokens.invalidate(request.headers.get("authorization")?.replace(/^Bearer /, ""));
        return replay;
      },
    });
    const client = bindOperations(createClient<Paths>({ baseUrl: url, Request: ReplayableRequest }), {
      vendor: "acme",
      factory: "createAcme",
      fetchFor: transport.fetchFor,
    });
    return { client, tokens };
  }

  it("drops the stale token, obtains a new one and sends the same body once more", async () => {
    seen.length = 0;
    valid = "tok-2";
    const { client, tokens } = build(true);
    const { data, response } = await client.POST("/things", { body: { name: "kept" } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ echoed: '{"name":"kept"}' });
    expect(seen).toEqual([
      { auth: "Bearer tok-1", body: '{"name":"kept"}' },
      { auth: "Bearer tok-2", body: '{"name":"kept"}' },
    ]);
    expect(tokens.stats).toEqual({ obtained: 2, refreshed: 0, invalidated: 1 });
  });

  it("replays once only: a second 401 is returned to the caller", async () => {
    seen.length = 0;
    valid = "never";
    const { client } = build(true);
    const { error, response } = await client.POST("/things", { body: { name: "x" } });
    expect(response.status).toBe(401);
    expect(error).toEqual({ status: 401, error: "Unauthorized" });
    expect(seen).toHaveLength(2);
  });

  it("returns the 401 untouched when the handler declines", async () => {
    seen.length = 0;
    valid = "tok-2";
    const { client } = build(false);
    const { response } = await client.POST("/things", { body: { name: "x" } });
    expect(response.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it("replays with a custom fetch that reads the Request body itself", async () => {
    seen.length = 0;
    valid = "tok-2";
    const { client } = build(true, (input, init) => fetch(input, init));
    const { data } = await client.POST("/things", { body: { name: "custom" } });
    expect(data).toEqual({ echoed: '{"name":"custom"}' });
    expect(seen.map((s) => s.body)).toEqual(['{"name":"custom"}', '{"name":"custom"}']);
  });
});

describe("createOperationFetch fixed headers", () => {
  it("sets a header the spec fixes (e.g. Api-Version) unless the caller set it", async () => {
    const seen: (string | null)[] = [];
    const transport = createOperationFetch({
      operations: [{ operationId: "x", method: "GET", path: "/x", security: [], idempotent: true, headers: { "Api-Version": "4.4" } }],
      baseUrl: "http://fixed.test",
      schemes: {},
      credentials: {},
      fetch: async (request) => {
        seen.push(request.headers.get("api-version"));
        return new Response(null, { status: 204 });
      },
    });
    const send = transport.fetchFor("GET", "/x")!;
    await send(new Request("http://fixed.test/x"));
    await send(new Request("http://fixed.test/x", { headers: { "Api-Version": "9.9" } }));
    expect(seen).toEqual(["4.4", "9.9"]);
  });
});
