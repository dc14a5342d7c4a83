// Server-to-server Basic auth (workspace GUID + API key) and the server choice, against a local server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyneriseClient, InvalidInputError, SYNERISE_SERVERS } from "../src/index.js";
import { createTestServer, json, type TestServer } from "@cdpkit/testkit";

const GUID = "0b9a3a7e-5f5e-4a0a-9a55-4c1f3e0e2d11";
const KEY = "basic-api-key-SECRET-7f7f";
let server: TestServer;
beforeAll(async () => {
  server = await createTestServer();
  server.route("GET /v4/clients/42", (_req, res) => json(res, 200, { clientId: 42 }));
  server.route("GET /v4/clients/43", (_req, res) => json(res, 401, { message: `bad credentials for ${KEY}` }));
});
afterAll(() => server.close());

describe("auth type basic", () => {
  it("sends Authorization: Basic base64(workspaceGuid:apiKey) on every call, with no login", async () => {
    const client = createSyneriseClient({ auth: { type: "basic", workspaceGuid: GUID, apiKey: KEY }, baseUrl: server.url });
    const { data } = await client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } });
    expect(data).toMatchObject({ clientId: 42 });
    const seen = server.requests.filter((s) => s.path === "/v4/clients/42");
    expect(seen.map((s) => s.headers.authorization)).toEqual([`Basic ${Buffer.from(`${GUID}:${KEY}`).toString("base64")}`]);
    expect(server.requests.some((s) => s.path.includes("/auth/login"))).toBe(false);
  });

  it("a 401 is not replayed (no token to renew) and never shows the key or its Basic form", async () => {
    const client = createSyneriseClient({
      auth: { type: "basic", workspaceGuid: GUID, apiKey: KEY },
      baseUrl: server.url,
      throwOnError: true,
    });
    const error = await client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 43 } } }).catch((e: unknown) => e);
    expect(server.requests.filter((s) => s.path === "/v4/clients/43")).toHaveLength(1);
    const text = JSON.stringify(error) + String(error);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(Buffer.from(`${GUID}:${KEY}`).toString("base64"));
  });

  it("is checked at creation: both fields required, no ':' in the GUID", () => {
    expect(() => createSyneriseClient({ auth: { type: "basic", workspaceGuid: "", apiKey: KEY } })).toThrow(/auth\.workspaceGuid/);
    expect(() => createSyneriseClient({ auth: { type: "basic", workspaceGuid: "a:b", apiKey: KEY } })).toThrow(InvalidInputError);
  });
});

describe("server", () => {
  it("picks one of the spec's servers; an unknown one is an InvalidInputError", () => {
    expect(SYNERISE_SERVERS).toEqual({
      default: "https://api.synerise.com",
      azu: "https://api.azu.synerise.com",
      geb: "https://api.geb.synerise.com",
    });
    expect(() => createSyneriseClient({ trackerKey: "t", server: "mars" as never })).toThrow(/server must be one of default, azu, geb/);
  });
});

describe("paginate", () => {
  it("walks GET /catalogs/bags by offset until the total, typed items, Api-Version and the JWT on every page", async () => {
    const bags = Array.from({ length: 7 }, (_, n) => ({ id: n + 1, name: `bag-${n + 1}` }));
    server.route("GET /catalogs/bags", (req, res) => {
      const offset = Number(req.query.get("offset") ?? 0);
      const limit = Number(req.query.get("limit") ?? 100);
      json(res, 200, { data: bags.slice(offset, offset + limit), metaData: { totalCount: bags.length } });
    });
    const client = createSyneriseClient({ auth: { type: "basic", workspaceGuid: GUID, apiKey: KEY }, baseUrl: server.url });
    const names: string[] = [];
    for await (const bag of client.paginate("GET", "/catalogs/bags", { params: { query: { limit: 3 } } })) names.push(String(bag.name));
    expect(names).toEqual(bags.map((b) => b.name));
    const pages = server.requests.filter((s) => s.path === "/catalogs/bags");
    expect(pages.map((s) => s.query.get("offset"))).toEqual([null, "3", "6"]);
    expect(pages.every((s) => s.headers.authorization?.startsWith("Basic "))).toBe(true);
  });
});
