import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createManualClock } from "@cdpkit/core";
import { AuthError, createSyneriseClient, InvalidInputError, type SyneriseClient } from "../src/index.js";
import { createTestServer, json, makeJwt, type TestServer } from "@cdpkit/testkit";

const API_KEY = "5d1a0c2e-workspace-api-key-secret";
const PASSWORD = "user-password-secret";
let server: TestServer;
let valid: Set<string>;
let logins: number;

beforeEach(async () => {
  server = await createTestServer();
  valid = new Set();
  logins = 0;
  // A protected operation: 200 for a token the server issued and has not revoked, else 401.
  server.route("GET /v4/clients/42", (req, res) => {
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (!token || !valid.has(token))
      return json(res, 401, {
        timestamp: "2024-01-01T00:00:00Z",
        status: 401,
        error: "Unauthorized",
        message: "Token expired",
        path: "/clients/42",
      });
    json(res, 200, { clientId: 42, email: "jane@example.com" });
  });
});
afterEach(() => server.close());

/** Workspace login issuing JWTs that expire `ttlSeconds` after the given clock's now. */
function workspaceLogin(now: () => number, ttlSeconds = 3600, delayMs = 0): void {
  server.route("POST /v4/auth/login/profile", async (req, res) => {
    if (JSON.parse(req.body).apiKey !== API_KEY) return json(res, 401, { status: 401, error: "Unauthorized", message: "Bad API key" });
    logins++;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const token = makeJwt({ sub: "workspace", n: logins, exp: Math.floor(now() / 1000) + ttlSeconds });
    valid.add(token);
    json(res, 200, { token });
  });
}

const getProfile = (client: SyneriseClient) => client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } });
const tokensSeen = () => server.requests.filter((s) => s.path === "/v4/clients/42").map((s) => s.headers.authorization);

describe("workspace API key", () => {
  it("100 concurrent requests cause exactly one login and all carry its token", async () => {
    workspaceLogin(Date.now, 3600, 50);
    const client = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl: server.url, retry: false });
    const results = await Promise.all(Array.from({ length: 100 }, () => getProfile(client)));
    expect(results.map((r) => r.response.status)).toEqual(Array(100).fill(200));
    expect(logins).toBe(1);
    expect(new Set(tokensSeen()).size).toBe(1);
    expect(client.auth.stats).toEqual({ logins: 1, invalidated: 0 });
    const login = server.requests.find((s) => s.path === "/v4/auth/login/profile")!;
    expect(JSON.parse(login.body)).toEqual({ apiKey: API_KEY });
    expect(login.headers.authorization).toBeUndefined();
  });

  it("logs in again shortly before the token's exp (read from the JWT), not before", async () => {
    const clock = createManualClock(Date.parse("2026-01-01T00:00:00Z"));
    workspaceLogin(() => clock.now(), 3600);
    const client = createSyneriseClient({
      auth: { type: "workspace", apiKey: API_KEY },
      baseUrl: server.url,
      clock,
      refreshBeforeMs: 300_000,
      retry: false,
    });
    await getProfile(client);
    await clock.advance(3600_000 - 300_000 - 1); // just outside the refresh window
    await getProfile(client);
    expect(logins).toBe(1);
    await clock.advance(1); // 5 minutes before exp: due
    await getProfile(client);
    expect(logins).toBe(2);
    const [a, b, c] = tokensSeen();
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });

  it("a 401 drops the token, logs in again and replays the request once", async () => {
    workspaceLogin(Date.now);
    const client = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl: server.url, retry: false });
    expect((await getProfile(client)).response.status).toBe(200);
    valid.clear(); // the server revokes every token (e.g. the key's session was ended)
    const { data, response } = await getProfile(client);
    expect(response.status).toBe(200);
    expect(data).toEqual({ clientId: 42, email: "jane@example.com" });
    expect(logins).toBe(2);
    const seen = tokensSeen();
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(client.auth.stats).toEqual({ logins: 2, invalidated: 1 });
  });

  it("concurrent 401s with the same stale token cause one new login", async () => {
    workspaceLogin(Date.now, 3600, 30);
    const client = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl: server.url, retry: false });
    await getProfile(client);
    valid.clear();
    const results = await Promise.all(Array.from({ length: 100 }, () => getProfile(client)));
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(logins).toBe(2);
  });

  it("a token still refused after the fresh login is returned as 401 (no loop) and thrown as AuthError with throwOnError", async () => {
    workspaceLogin(Date.now);
    server.route("GET /v4/clients/43", (_req, res) => json(res, 401, { status: 401, error: "Unauthorized", message: "Permission denied" }));
    const client = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl: server.url, retry: false });
    const { response } = await client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 43 } } });
    expect(response.status).toBe(401);
    expect(server.requests.filter((s) => s.path === "/v4/clients/43")).toHaveLength(2);
    const throwing = createSyneriseClient({
      auth: { type: "workspace", apiKey: API_KEY },
      baseUrl: server.url,
      retry: false,
      throwOnError: true,
    });
    await expect(throwing.GET("/v4/clients/{clientId}", { params: { path: { clientId: 43 } } })).rejects.toMatchObject({
      name: "AuthError",
      status: 401,
      vendorMessage: "Permission denied",
    });
  });

  it("a refused login fails the waiting request with an AuthError that never shows the API key", async () => {
    workspaceLogin(Date.now);
    const lines: string[] = [];
    const client = createSyneriseClient({
      auth: { type: "workspace", apiKey: "wrong-" + API_KEY },
      baseUrl: server.url,
      retry: false,
      logger: Object.fromEntries(
        ["debug", "info", "warn", "error"].map((l) => [l, (m: string, f?: object) => lines.push(m + JSON.stringify(f ?? {}))]),
      ),
    });
    const error = await getProfile(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? "", ...lines]) {
      expect(text).not.toContain(API_KEY);
    }
    expect(server.requests.filter((s) => s.path === "/v4/clients/42")).toHaveLength(0);
  });
});

describe("other auth modes", () => {
  it("user login selects the workspace with the user's token, then uses the workspace token", async () => {
    const userToken = makeJwt({ sub: "user", exp: Math.floor(Date.now() / 1000) + 3600 });
    const wsToken = makeJwt({ sub: "user@ws", exp: Math.floor(Date.now() / 1000) + 3600 });
    valid.add(wsToken);
    server.route("POST /uauth/auth/login/user", (req, res) => {
      expect(JSON.parse(req.body)).toEqual({ username: "jane@example.com", password: PASSWORD, deviceId: "dev-1" });
      json(res, 200, { token: userToken, consumer: { type: "USER" } });
    });
    server.route("POST /uauth/auth/login/user/profile/0f2b1d3e-aaaa-4bbb-8ccc-123456789abc", (req, res) => {
      expect(req.headers.authorization).toBe(`Bearer ${userToken}`);
      json(res, 200, { token: wsToken, consumer: { type: "USER" } });
    });
    const client = createSyneriseClient({
      auth: {
        type: "user",
        username: "jane@example.com",
        password: PASSWORD,
        workspace: "0f2b1d3e-aaaa-4bbb-8ccc-123456789abc",
        deviceId: "dev-1",
      },
      baseUrl: server.url,
    });
    expect((await getProfile(client)).response.status).toBe(200);
    expect(tokensSeen()).toEqual([`Bearer ${wsToken}`]);
  });

  it("profile login: SUCCESS gives the token; other statuses fail with the listed conditions", async () => {
    const token = makeJwt({ sub: "client", exp: Math.floor(Date.now() / 1000) + 3600 });
    valid.add(token);
    let status = "SUCCESS";
    server.route("POST /sauth/v3/auth/login/client/conditional", (req, res) => {
      expect(JSON.parse(req.body)).toEqual({
        apiKey: API_KEY,
        identityProvider: "SYNERISE",
        email: "jane@example.com",
        password: PASSWORD,
      });
      json(res, 200, status === "SUCCESS" ? { status, token, conditions: [] } : { status, conditions: ["TERMS_ACCEPTANCE", "ACTIVATION"] });
    });
    const auth = { type: "profile", apiKey: API_KEY, identityProvider: "SYNERISE", email: "jane@example.com", password: PASSWORD } as const;
    expect((await getProfile(createSyneriseClient({ auth, baseUrl: server.url }))).response.status).toBe(200);
    status = "CONDITIONS_REQUIRED";
    const error = await getProfile(createSyneriseClient({ auth, baseUrl: server.url })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(String(error)).toContain("TERMS_ACCEPTANCE, ACTIVATION");
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
  });

  it("anonymous profile login posts apiKey + uuid", async () => {
    const token = makeJwt({ sub: "anon", exp: Math.floor(Date.now() / 1000) + 3600 });
    valid.add(token);
    server.route("POST /sauth/v3/auth/login/client/anonymous", (req, res) => {
      expect(JSON.parse(req.body)).toEqual({ apiKey: API_KEY, uuid: "07243772-008a-42e1-ba37-c3807cebde8f" });
      json(res, 200, { token });
    });
    const client = createSyneriseClient({
      auth: { type: "anonymousProfile", apiKey: API_KEY, uuid: "07243772-008a-42e1-ba37-c3807cebde8f" },
      baseUrl: server.url,
    });
    expect((await getProfile(client)).response.status).toBe(200);
  });

  it("a ready JWT is sent as is and a 401 is not replayed (nothing to log in with)", async () => {
    const client = createSyneriseClient({ auth: { type: "jwt", token: "given-jwt" }, baseUrl: server.url, retry: false });
    expect((await getProfile(client)).response.status).toBe(401);
    expect(tokensSeen()).toEqual(["Bearer given-jwt"]);
    valid.add("given-jwt");
    expect((await getProfile(client)).response.status).toBe(200);
  });
});

describe("tracker key", () => {
  it("goes in the token query parameter of operations that accept it; a JWT-only operation names the missing auth", async () => {
    server.route("POST /v4/events/ai-compat/recommendation.view", (_req, res) => {
      res.writeHead(202);
      res.end();
    });
    const client = createSyneriseClient({ trackerKey: "tracker-key-secret-1", baseUrl: server.url });
    const { response } = await client.POST("/v4/events/ai-compat/recommendation.view", {
      body: { correlationId: "c", clientUUID: "07243772-008a-42e1-ba37-c3807cebde8f", items: ["sku-1"] },
    } as never);
    expect(response.status).toBe(202);
    const sent = server.requests.find((s) => s.path === "/v4/events/ai-compat/recommendation.view")!;
    expect(sent.query.get("token")).toBe("tracker-key-secret-1");
    expect(sent.headers.authorization).toBeUndefined();
    const error = await getProfile(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String(error)).toMatch(/GET \/v4\/clients\/\{clientId\} needs auth/);
  });
});

describe("options", () => {
  it("names every bad option and never echoes a secret", () => {
    const make = () => createSyneriseClient({ auth: { type: "workspace", apiKey: "" }, trackerKey: "  ", baseUrl: "nope" } as never);
    expect(make).toThrow(InvalidInputError);
    expect(make).toThrow(
      /auth\.apiKey is required for auth type "workspace".*trackerKey must be a non-empty string.*baseUrl must be an absolute URL/,
    );
    expect(() => createSyneriseClient({ auth: { type: "user", username: "u", password: PASSWORD } } as never)).toThrow(
      /auth\.workspace is required/,
    );
    expect(() => createSyneriseClient({ auth: { type: "magic" } } as never)).toThrow(/auth\.type must be one of/);
    expect(() => createSyneriseClient({} as never)).toThrow(/give auth .* trackerKey, or both/);
    try {
      createSyneriseClient({ auth: { type: "user", username: "u", password: PASSWORD } } as never);
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain(PASSWORD);
    }
  });
});
