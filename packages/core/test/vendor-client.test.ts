import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors.js";
import type { OperationMeta } from "../src/operations.js";
import { assertClientOptions, createVendorClient, noAuthConfigured } from "../src/vendor-client.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

const operations = [
  // A write the spec does not mark idempotent, failing `failures` times first.
  { operationId: "echo", method: "POST", path: "/echo/{failures}", security: [], idempotent: false },
  {
    operationId: "inspect",
    method: "GET",
    path: "/inspect/items",
    security: [],
    idempotent: true,
    fills: [{ in: "query", name: "site", option: "siteCode", required: true }],
  },
] as const satisfies readonly OperationMeta[];

interface Paths {
  "/echo/{failures}": {
    post: {
      parameters: { path: { failures: string }; query?: { t?: string } };
      requestBody: { content: { "application/json": { name: string } } };
      responses: { 200: { content: { "application/json": { body: string; hit: number } } } };
    };
  };
  "/inspect/items": {
    get: {
      parameters: { query: { site: string } };
      responses: { 200: { content: { "application/json": { url: string } } } };
    };
  };
}

type Post = (path: string, init: Record<string, unknown>) => Promise<{ data?: { body: string; hit: number }; response: Response }>;

function client(fills: Record<string, string | undefined> = {}) {
  return createVendorClient<Paths>(
    { vendor: "acme", factory: "createAcmeClient", operations, securitySchemes: {} },
    { retry: { baseDelayMs: 1, maxDelayMs: 2 } },
    { baseUrl: server.url, credentials: {}, secrets: () => [], fills },
  );
}

describe("createVendorClient", () => {
  it("a call's safeToRepeat makes a non-idempotent write retryable; without it the write is sent once", async () => {
    const post = client().api.POST as unknown as Post;
    const once = await post("/echo/{failures}", { params: { path: { failures: "1" }, query: { t: "once" } }, body: { name: "a" } });
    expect(once.response.status).toBe(503);
    expect(server.hits("/echo/1?t=once")).toBe(1);
    const safe = await post("/echo/{failures}", {
      params: { path: { failures: "1" }, query: { t: "safe" } },
      body: { name: "a" },
      safeToRepeat: true,
    });
    expect(safe.response.status).toBe(200);
    expect(server.hits("/echo/1?t=safe")).toBe(2);
  });

  it("refuses a safeToRepeat that is not a boolean, before the network", async () => {
    const post = client().api.POST as unknown as Post;
    await expect(
      post("/echo/{failures}", { params: { path: { failures: "0" }, query: { t: "bad" } }, body: { name: "a" }, safeToRepeat: "yes" }),
    ).rejects.toThrow(/safeToRepeat must be a boolean/);
    expect(server.hits("/echo/0?t=bad")).toBe(0);
  });

  it("a string body is the caller's own serialisation: sent as given, not JSON-encoded again", async () => {
    const post = client().api.POST as unknown as Post;
    const text = '{"name":"pre-encoded"}';
    const result = await post("/echo/{failures}", { params: { path: { failures: "0" }, query: { t: "text" } }, body: text });
    expect(result.data?.body).toBe(text);
  });

  it("fills a client-filled parameter from its option; a required one given nowhere is an InvalidInputError naming the option", async () => {
    const filled = await client({ siteCode: "s1" }).api.GET("/inspect/items", {} as never);
    expect((filled.data as unknown as { url: string }).url).toBe("/inspect/items?site=s1");
    const given = await client({ siteCode: "s1" }).api.GET("/inspect/items", { params: { query: { site: "s2" } } });
    expect((given.data as unknown as { url: string }).url).toBe("/inspect/items?site=s2");
    const missing = client().api.GET("/inspect/items", {} as never);
    await expect(missing).rejects.toBeInstanceOf(InvalidInputError);
    await expect(missing).rejects.toThrow("params.query.site is required (pass it here or as `siteCode` to createAcmeClient)");
  });
});

describe("option checks", () => {
  it("names the vendor's own issues first, then the shared ones, in one InvalidInputError", () => {
    const check = () =>
      assertClientOptions("acme", "createAcmeClient", { timeoutMs: -1 }, [{ path: "siteCode", message: "must be a string" }]);
    expect(check).toThrow(InvalidInputError);
    expect(check).toThrow("createAcmeClient: siteCode must be a string; timeoutMs must be a number >= 0");
    expect(() => assertClientOptions("acme", "createAcmeClient", {}, [])).not.toThrow();
  });

  it("client.auth.token() without a configured login rejects with an InvalidInputError", async () => {
    await expect(noAuthConfigured("acme", "createAcmeClient")).rejects.toThrow("createAcmeClient: no auth configured");
  });
});
