import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors.js";
import type { FetchLike } from "../src/fetch.js";
import { bindOperations, createOperationFetch } from "../src/operation-client.js";
import { createOperationIndex, type OperationMeta } from "../src/operations.js";
import { ReplayableRequest } from "../src/call.js";
import { createPolicyFetch } from "../src/policy.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

/** Three operations, one per kind of credential placement. */
const operations = [
  { operationId: "addThing", method: "POST", path: "/things", security: [["key"]], idempotent: false },
  { operationId: "getThing", method: "GET", path: "/things/{id}", security: [["jwt"]], idempotent: true },
  { operationId: "track", method: "POST", path: "/track", security: [["tracker"], ["jwt"]], idempotent: false },
] as const satisfies readonly OperationMeta[];
const schemes = {
  key: { type: "apiKey", in: "header", name: "x-api-key" },
  jwt: { type: "http", scheme: "bearer" },
  tracker: { type: "apiKey", in: "query", name: "token" },
} as const;

interface Paths {
  "/things": {
    post: {
      requestBody: { content: { "application/json": { name: string } } };
      responses: { 200: { content: { "application/json": Inspected } } };
    };
  };
  "/things/{id}": {
    get: {
      parameters: { path: { id: string }; query?: { tenant?: string } };
      responses: { 200: { content: { "application/json": Inspected } } };
    };
  };
  "/track": {
    post: {
      requestBody: { content: { "application/json": { event: string } } };
      responses: { 200: { content: { "application/json": Inspected } } };
    };
  };
}
interface Inspected {
  method: string;
  url: string;
  authorization: string | null;
  apiKey: string | null;
  body: string;
}

/** A client the way a vendor package builds one, recording which operation each request reached the policies as. */
function build(credentials: Record<string, string | (() => string) | undefined>) {
  const baseUrl = `${server.url}/inspect`;
  const index = createOperationIndex(operations, baseUrl);
  const seen: (string | undefined)[] = [];
  const policy: FetchLike = (request) => {
    seen.push(index.findRequest(request)?.operationId);
    return fetch(request);
  };
  const transport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes,
    credentials,
    optionFor: (scheme) => `the ${scheme} option`,
    fetch: policy,
  });
  const calls: string[] = [];
  const client = bindOperations(createClient<Paths>({ baseUrl, fetch: transport.fetch }), {
    vendor: "acme",
    factory: "createAcmeClient",
    fetchFor: transport.fetchFor,
    prepare: (init, method, path) => {
      calls.push(`${method} ${path}`);
      if (method !== "GET") return init;
      const params = (init?.params ?? {}) as { query?: Record<string, unknown> };
      return { ...init, params: { ...params, query: { tenant: "t-1", ...params.query } } };
    },
  });
  return { client, seen, calls, transport };
}

describe("createOperationFetch + bindOperations", () => {
  it("puts each credential where its operation says: header key, bearer, query token", async () => {
    const { client, seen } = build({ key: "k-123", jwt: "jwt-abc", tracker: "trk-9" });

    const added = await client.POST("/things", { body: { name: "a" } });
    expect(added.data).toMatchObject({
      method: "POST",
      url: "/inspect/things",
      apiKey: "k-123",
      authorization: null,
      body: '{"name":"a"}',
    });

    const got = await client.GET("/things/{id}", { params: { path: { id: "x1" } } });
    expect(got.data).toMatchObject({ url: "/inspect/things/x1?tenant=t-1", authorization: "Bearer jwt-abc", apiKey: null });

    // The first alternative that is fully configured wins: the tracker key, in the query, body intact.
    const tracked = await client.POST("/track", { body: { event: "view" } });
    expect(tracked.data).toMatchObject({ url: "/inspect/track?token=trk-9", authorization: null, body: '{"event":"view"}' });

    // The policies saw every request as its operation, the query-credential copy included.
    expect(seen).toEqual(["addThing", "getThing", "track"]);
  });

  it("falls back to the next security alternative and calls credential functions per request", async () => {
    let n = 0;
    const { client } = build({ jwt: () => `jwt-${++n}` });
    const first = await client.POST("/track", { body: { event: "a" } });
    const second = await client.POST("/track", { body: { event: "b" } });
    expect(first.data).toMatchObject({ url: "/inspect/track", authorization: "Bearer jwt-1" });
    expect(second.data).toMatchObject({ authorization: "Bearer jwt-2" });
  });

  it("never modifies the caller's init object, whether prepare copies it or not", async () => {
    const { client } = build({ key: "k", jwt: "j" });
    const postInit = { body: { name: "a" } };
    const getInit = { params: { path: { id: "x3" } } };
    await client.POST("/things", postInit);
    await client.GET("/things/{id}", getInit);
    expect(postInit).toEqual({ body: { name: "a" } });
    expect(getInit).toEqual({ params: { path: { id: "x3" } } });
  });

  it("a caller-given query parameter is kept over the prepared default", async () => {
    const { client } = build({ jwt: "j" });
    const got = await client.GET("/things/{id}", { params: { path: { id: "x2" }, query: { tenant: "mine" } } });
    expect(got.data?.url).toBe("/inspect/things/x2?tenant=mine");
  });

  it("a missing credential is an InvalidInputError naming the option, and nothing is sent", async () => {
    const { client, seen } = build({ jwt: "j" });
    const error = await client.POST("/things", { body: { name: "a" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe("POST /things needs the key option, which the client was not given");
    expect(seen).toEqual([]);
  });

  it("refuses a per-call fetch (it would skip auth and policies) as a rejection, before any request", async () => {
    const { client, seen } = build({ key: "k" });
    const call = client.POST("/things", { body: { name: "a" }, fetch: (r: Request) => fetch(r) });
    await expect(call).rejects.toThrow(InvalidInputError);
    await expect(call).rejects.toThrow("POST /things: a per-call `fetch` is not supported; pass `fetch` to createAcmeClient");
    expect(seen).toEqual([]);
  });

  it("routes `request(method, path)` like the verbs, and finds the operation by URL for a fetch without one", async () => {
    const { client, seen, calls, transport } = build({ jwt: "j" });
    const viaRequest = await client.request("get", "/things/{id}", { params: { path: { id: "r1" } } });
    expect(viaRequest.data).toMatchObject({ url: "/inspect/things/r1?tenant=t-1", authorization: "Bearer j" });
    expect(calls).toEqual(["GET /things/{id}"]);

    const direct = await transport.fetch(new Request(`${server.url}/inspect/things/r2`));
    expect(((await direct.json()) as Inspected).authorization).toBe("Bearer j");
    expect(seen).toEqual(["getThing", "getThing"]);
    expect(transport.fetchFor("post", "/nope")).toBeUndefined();
  });
});

describe("the call's safety", () => {
  it("a write the spec does not mark idempotent is sent once; through fetchFor(..., { safeToRepeat: true }) it is retried", async () => {
    const ops = [{ method: "POST", path: "/echo/{failures}", security: [], idempotent: false }] as const satisfies readonly OperationMeta[];
    const transport = createOperationFetch({
      operations: ops,
      baseUrl: server.url,
      schemes: {},
      credentials: {},
      fetch: createPolicyFetch({ vendor: "acme", retry: { baseDelayMs: 1, maxDelayMs: 2 } }),
    });
    const post = (query: string) => new ReplayableRequest(`${server.url}/echo/1?t=${query}`, { method: "POST", body: "x" });
    expect((await transport.fetchFor("POST", "/echo/{failures}")!(post("once"))).status).toBe(503);
    expect(server.hits("/echo/1?t=once")).toBe(1);
    const safe = transport.fetchFor("POST", "/echo/{failures}", { safeToRepeat: true })!;
    expect((await safe(post("twice"))).status).toBe(200);
    expect(server.hits("/echo/1?t=twice")).toBe(2);
  });
});
