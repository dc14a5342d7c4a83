/**
 * What the Node transport (undici's dispatcher, no fetch) must do besides what the shared suites pin
 * on both transports (hardening, policy, deadlines, the fault matrix in tools/hardening): stream
 * answers stay streams, compressed answers are decoded, headers come through as sent, the transport
 * is chosen and validated as documented, and loading it changes nothing else in the process.
 */
import { execFile } from "node:child_process";
import { createServer, type Server, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import Agent from "undici/lib/dispatcher/agent.js";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LightRequest, ReplayableRequest } from "../src/call.js";
import { InvalidInputError, NetworkError } from "../src/errors.js";
import type { OperationMeta } from "../src/operations.js";
import { bindOperations, createOperationFetch } from "../src/operation-client.js";
import { createPolicyFetch, transportIssue } from "../src/policy.js";

/** Bytes the /stream route has written so far (it writes while the socket takes them). */
let streamed = 0;
let streamClosed = false;
let server: Server;
let url = "";

const JSON_BODY = JSON.stringify({ ok: true, items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item-${i}` })) });
const ENCODED: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

function writeForever(res: ServerResponse): void {
  streamed = 0;
  streamClosed = false;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(200, { "content-type": "text/csv" });
  res.on("close", () => (streamClosed = true));
  const pump = (): void => {
    // Bounded: 256 MB is far beyond what any socket buffer holds, so a client that buffers it all shows.
    while (!streamClosed && streamed < 256 * 1024 * 1024) {
      streamed += chunk.byteLength;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    req.resume();
    if (path === "/stream") return writeForever(res);
    const coding = /^\/encoded\/(\w+)$/.exec(path)?.[1];
    if (coding === "corrupt") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      return void res.end(Buffer.from("definitely not gzip"));
    }
    if (coding) {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": coding });
      return void res.end(ENCODED[coding]!(Buffer.from(JSON_BODY)));
    }
    if (path === "/cookies") {
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.writeHead(200, { "content-type": "text/plain", "x-many": ["1", "2"] });
      return void res.end("ok");
    }
    if (path === "/no-content") return void res.writeHead(204).end();
    if (path === "/headers") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(req.headers));
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const streamOperation: OperationMeta = { method: "GET", path: "/stream", security: [], idempotent: true, successBody: "stream" };
const node = (extra: Partial<Parameters<typeof createPolicyFetch>[0]> = {}) =>
  createPolicyFetch({ vendor: "acme", transport: "node", retry: false, ...extra });

describe("the Node transport", () => {
  it("streams a stream answer: reading one chunk does not pull the rest of the body in", async () => {
    const f = node({ operationFor: () => streamOperation });
    const response = await f(new Request(`${url}/stream`));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.value!.byteLength).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // What the socket buffers on both ends plus the transport's 64 KiB: a few MB at most, not 256.
    expect(streamed).toBeLessThan(32 * 1024 * 1024);
    await reader.cancel();
    await expect.poll(() => streamClosed, { timeout: 2_000 }).toBe(true);
  });

  it("decodes gzip, deflate and br answers, as fetch does", async () => {
    for (const coding of Object.keys(ENCODED)) {
      const response = await node()(new Request(`${url}/encoded/${coding}`));
      expect(response.headers.get("content-encoding")).toBe(coding);
      expect(await response.json()).toEqual(JSON.parse(JSON_BODY));
    }
  });

  it("a body that does not decode is a NetworkError of phase body", async () => {
    const response = await node()(new Request(`${url}/encoded/corrupt`));
    const err = await response.json().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).phase).toBe("body");
  });

  it("keeps repeated headers apart and gives a 204 no body", async () => {
    const response = await node()(new Request(`${url}/cookies`));
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(response.headers.get("x-many")).toBe("1, 2");
    expect(await response.text()).toBe("ok");
    const empty = await node()(new Request(`${url}/no-content`));
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe("");
  });

  it("sends fetch's default Accept, User-Agent and Accept-Encoding unless the request sets its own", async () => {
    const sent = (await (await node()(new Request(`${url}/headers`))).json()) as Record<string, string>;
    expect(sent).toMatchObject({ accept: "*/*", "user-agent": "node", "accept-encoding": "gzip, deflate, br" });
    const own = (await (
      await node()(new Request(`${url}/headers`, { headers: { accept: "text/csv", "user-agent": "me" } }))
    ).json()) as Record<string, string>;
    expect(own).toMatchObject({ accept: "text/csv", "user-agent": "me" });
  });

  it("goes through a caller's dispatcher ({ dispatcher })", async () => {
    const agent = new Agent();
    const origins: string[] = [];
    const dispatcher = {
      dispatch: (options: Parameters<typeof agent.dispatch>[0], handler: Parameters<typeof agent.dispatch>[1]) => {
        origins.push(String(options.origin));
        return agent.dispatch(options, handler);
      },
    };
    const f = createPolicyFetch({ vendor: "acme", transport: { dispatcher }, retry: false });
    expect((await f(new Request(`${url}/headers`))).status).toBe(200);
    expect(origins).toEqual([url]);
    await agent.close();
  });
});

describe("choosing the transport", () => {
  it("refuses what cannot work, before any request", () => {
    expect(transportIssue({ transport: "node", fetch: globalThis.fetch })?.message).toMatch(/does not use `fetch`/);
    expect(transportIssue({ transport: "carrier-pigeon" })?.path).toBe("transport");
    expect(transportIssue({ transport: { dispatcher: {} } })?.path).toBe("transport");
    for (const fine of [{}, { transport: "auto" }, { transport: "fetch", fetch: globalThis.fetch }, { transport: "node" }]) {
      expect(transportIssue(fine)).toBeUndefined();
    }
    expect(() => createPolicyFetch({ vendor: "acme", transport: "node", fetch: globalThis.fetch })).toThrow(InvalidInputError);
  });

  it("loading the client leaves the process's global dispatcher alone, and idle sockets do not keep the process alive", async () => {
    // A fresh process with the built package: what a user's program sees.
    const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const slot = Symbol.for("undici.globalDispatcher.1");
      const { createPolicyFetch } = await import(${JSON.stringify(dist)});
      const f = createPolicyFetch({ vendor: "acme" });
      const response = await f(new Request(${JSON.stringify(`${url}/headers`)}));
      await response.text();
      // npm undici's own Agent class (its module alone does not touch the slot).
      const { default: NpmAgent } = await import("undici/lib/dispatcher/agent.js");
      console.log(JSON.stringify({ status: response.status, npmAgentInSlot: globalThis[slot] instanceof NpmAgent }));
    `;
    const started = Date.now();
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { timeout: 50_000, cwd });
    expect(JSON.parse(stdout)).toEqual({ status: 200, npmAgentInSlot: false });
    // The server keeps the connection for 60 s; the process ended long before (the bound leaves a
    // loaded machine room to start Node and load the package).
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});

describe("requests of the typed verbs", () => {
  const operations = [{ operationId: "inspect", method: "POST", path: "/headers", security: [], idempotent: true }] as const;
  interface Paths {
    "/headers": {
      post: {
        requestBody: { content: { "application/json": { a: number } } };
        responses: { 200: { content: { "application/json": object } } };
      };
    };
  }

  it("are light without middleware, and real Requests while middleware may hand them to a native API", async () => {
    const seen: Request[] = [];
    const policy = node();
    const operationFetch = createOperationFetch({
      operations,
      baseUrl: url,
      schemes: {},
      credentials: {},
      fetch: (request, call) => {
        seen.push(request);
        return policy(request, call);
      },
    });
    const api = bindOperations(createClient<Paths>({ baseUrl: url, Request: ReplayableRequest }), {
      vendor: "acme",
      factory: "createAcmeClient",
      fetchFor: operationFetch.fetchFor,
      operationFor: operationFetch.operationFor,
      lightRequests: true,
    });
    expect((await api.POST("/headers", { body: { a: 1 } })).data).toMatchObject({ "content-type": "application/json" });
    expect(seen[0]).toBeInstanceOf(LightRequest);

    // Middleware may hand the request to a native API (here `new Request(request)`, which a LightRequest fails).
    const copies: Request[] = [];
    const middleware = {
      onRequest: ({ request }: { request: Request }) => {
        copies.push(new Request(request));
        request.headers.set("x-from", "middleware");
      },
    };
    api.use(middleware);
    const withMiddleware = await api.POST("/headers", { body: { a: 2 } });
    expect(withMiddleware.data).toMatchObject({ "x-from": "middleware", "content-length": "7" });
    expect(copies[0]?.method).toBe("POST");
    expect(seen[1]).not.toBeInstanceOf(LightRequest);

    api.eject(middleware);
    await api.POST("/headers", { body: { a: 3 } });
    expect(seen[2]).toBeInstanceOf(LightRequest);
  });

  it("a LightRequest answers as a Request: fields, body readers, clone, and a native copy on demand", async () => {
    const request = new LightRequest(`${url}/x?y=1`, {
      method: "post",
      headers: new Headers({ a: "1" }),
      body: '{"b":2}',
      redirect: "manual",
    });
    expect(request).toBeInstanceOf(Request);
    expect([request.method, request.url, request.redirect, request.headers.get("a"), request.signal.aborted]).toEqual([
      "POST",
      `${url}/x?y=1`,
      "manual",
      "1",
      false,
    ]);
    expect(await request.json()).toEqual({ b: 2 });
    expect(await request.clone().text()).toBe('{"b":2}');
    expect((request as unknown as Request).cache).toBe("default");
    const native = new Request(request.toRequest(), { headers: { c: "3" } });
    expect([native.method, native.url, await native.text()]).toEqual(["POST", `${url}/x?y=1`, '{"b":2}']);
    expect(() => new LightRequest(`${url}/x`, { method: "GET", body: "no" })).toThrow(TypeError);
    expect(new LightRequest(`${url}/x`, { method: "POST", body: new ReadableStream(), duplex: "half" } as RequestInit)).toBeInstanceOf(
      ReplayableRequest,
    );
  });
});
