/**
 * Pins for the production-hardening defects, at the level of core: each test failed on the code
 * before the fix (the defect it names is in its title). Client-level cases for all four vendors live
 * in tools/hardening (fault matrix, secrets, ingest).
 */
import { createServer } from "node:net";
import { inspect } from "node:util";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySecurity } from "../src/auth.js";
import { createManualClock } from "../src/clock.js";
import {
  CdpkitError,
  HttpError,
  InvalidInputError,
  MalformedResponseError,
  NetworkError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  VendorError,
} from "../src/errors.js";
import { bindOperations, createOperationFetch } from "../src/operation-client.js";
import { createOperationIndex, type OperationMeta } from "../src/operations.js";
import { ReplayableRequest } from "../src/call.js";
import { createPolicyFetch } from "../src/policy.js";
import { MemoryRateLimitStore } from "../src/rate-limit.js";
import { Redactor } from "../src/redact.js";
import { TokenCache } from "../src/token.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { START, TRANSPORTS } from "./helpers.js";

let server: FaultServer;
let other: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
  other = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  await other.close();
});

const fastRetry = { baseDelayMs: 1, maxDelayMs: 2 };

describe.each(TRANSPORTS)("defect 1: a short 429 blocks only as long as it says (%s transport)", (transport) => {
  it("the store lets requests through once the 429 Retry-After is over, whatever window earlier 200s announced", async () => {
    const store = new MemoryRateLimitStore();
    const rule = { limit: 100_000, intervalMs: 60_000 };
    await store.take("k", rule, START);
    await store.observe("k", { remaining: 99_999, resetAt: START + 3_600_000 }, START);
    await store.observe("k", { refusedUntil: START + 1000 }, START + 10);
    expect(await store.take("k", rule, START + 500)).toEqual({ granted: false, waitMs: 500 });
    expect(await store.take("k", rule, START + 1000)).toEqual({ granted: true });
  });

  it("over HTTP: 200s with an hour-long window, one 429 with Retry-After: 1, then calls pass after a second", async () => {
    const clock = createManualClock(START, { autoAdvance: true });
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock,
      retry: false,
      rateLimit: { rules: { all: { limit: 100_000, intervalMs: 60_000 } }, scopeFor: () => "all", maxWaitMs: 5_000 },
    });
    await f(new Request(`${server.url}/budget?remaining=99999&resetIn=3600000&t=d1-${transport}`));
    expect((await f(new Request(`${server.url}/retry-after/1?t=d1-${transport}`))).status).toBe(429);
    const started = clock.now();
    const after = await f(new Request(`${server.url}/budget?remaining=99998&resetIn=3600000&t=d1b-${transport}`));
    expect(after.status).toBe(200);
    // It waited out the 429's second, not the hour.
    expect(clock.now() - started).toBeLessThanOrEqual(1000);
  });

  it("onRateLimit decides: false fails at once with RateLimitError, true waits past maxWaitMs", async () => {
    const clock = createManualClock(START, { autoAdvance: true });
    const decisions: boolean[] = [];
    let answer = false;
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      clock,
      retry: false,
      rateLimit: { rules: { all: { limit: 1, intervalMs: 10_000 } }, scopeFor: () => "all", maxWaitMs: 1 },
      onRateLimit: (event) => {
        expect(event.source).toBe("client");
        decisions.push(answer);
        return answer;
      },
    });
    await f(new Request(`${server.url}/ok?t=orl-${transport}`));
    await expect(f(new Request(`${server.url}/ok?t=orl-${transport}`))).rejects.toBeInstanceOf(RateLimitError);
    answer = true;
    expect((await f(new Request(`${server.url}/ok?t=orl-${transport}`))).status).toBe(200);
    expect(decisions).toEqual([false, true]);
  });
});

describe("defect 2: redaction is linear and error texts are bounded", () => {
  it("scrubs 200,000 newlines with header-like lines in one pass", { timeout: 5_000 }, () => {
    const r = new Redactor({ secrets: ["s3cr3t-value"] });
    const text = `${"\n".repeat(200_000)}authorization: Bearer s3cr3t-value\n${"   \n".repeat(50_000)}token: abc\n"token": "${"x".repeat(100_000)}`;
    const out = r.redactText(text);
    expect(out).not.toContain("s3cr3t-value");
    expect(out).not.toContain("token: abc");
  });

  it("a 50 MB error body yields a message of a few KB and a body excerpt", () => {
    const body = `<html>${"y".repeat(50 * 1024 * 1024)}</html>`;
    const err = new HttpError({ status: 500, vendorMessage: body, body, message: body });
    expect(err.message.length).toBeLessThan(5_000);
    expect(String(err.body).length).toBeLessThan(9_000);
    expect(String(err.vendorMessage).length).toBeLessThan(2_000);
  });
});

describe("defect 3: every error field and cause is redacted", () => {
  const secret = "tok-PLANTED-123456";
  const redactor = new Redactor({ secrets: [secret] });

  it("vendorCode, requestId and a non-Error cause are scrubbed", () => {
    const err = new VendorError({
      vendorCode: `invalid token ${secret}`,
      requestId: secret,
      cause: { config: { headers: { "x-echo": secret } } },
      redactor,
    });
    for (const text of [JSON.stringify(err), inspect(err, { depth: 10 }), String(err.stack)]) expect(text).not.toContain(secret);
  });

  it("an Error cause with the secret in its own fields is replaced by a scrubbed copy", () => {
    const cause = Object.assign(new Error("boom"), { response: { body: `echo ${secret}` } });
    const err = new NetworkError({ cause, redactor });
    expect(inspect(err, { depth: 10 })).not.toContain(secret);
  });

  it("a credential with CR/LF is refused without being echoed", async () => {
    const request = new Request("http://127.0.0.1/x");
    const bad = `abc\r\nX-Injected: ${secret}`;
    const err = await applySecurity(request, {
      security: [["key"]],
      schemes: { key: { type: "apiKey", in: "header", name: "x-api-key" } },
      credentials: { key: bad },
      operation: "GET /x",
      optionFor: () => "apiKey",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect((err as Error).message).toContain("apiKey");
  });
});

describe.each(TRANSPORTS)("defect 4: redirects are followed only where safe (%s transport)", (transport) => {
  const policy = () => createPolicyFetch({ vendor: "acme", transport, retry: fastRetry });

  it("a same-origin 307 on a GET is followed with its credentials", async () => {
    const res = await policy()(new Request(`${server.url}/redirect/307?to=/inspect/same`, { headers: { authorization: "Bearer abc" } }));
    const seen = (await res.json()) as { url: string; authorization: string | null };
    expect(seen).toMatchObject({ url: "/inspect/same", authorization: "Bearer abc" });
  });

  it("a cross-origin hop carries no credential header and no sensitive query parameter", async () => {
    const to = encodeURIComponent(`${other.url}/inspect/elsewhere?token=leak&page=2`);
    const res = await policy()(
      new Request(`${server.url}/redirect/302?to=${to}`, { headers: { authorization: "Bearer abc", "x-api-key": "k", access_token: "a" } }),
    );
    const seen = (await res.json()) as { url: string; authorization: string | null; apiKey: string | null };
    expect(seen.authorization).toBeNull();
    expect(seen.apiKey).toBeNull();
    expect(seen.url).toBe("/inspect/elsewhere?page=2");
  });

  it("a POST answered 302 is never its success; one that documents it is followed as a GET", async () => {
    const post = () => new Request(`${server.url}/redirect/302?to=/inspect/result`, { method: "POST", body: '{"a":1}' });
    const err = await policy()(post()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectError);
    expect((err as RedirectError).location).toBe("/inspect/result");
    const download = createPolicyFetch({ vendor: "acme", transport, retry: fastRetry, operationFor: () => ({ followsAsGet: true }) });
    const seen = (await (await download(post())).json()) as { method: string; url: string };
    expect(seen).toMatchObject({ method: "GET", url: "/inspect/result" });
  });

  it("a 307 on a write that is not safe to repeat is not re-sent", async () => {
    const err = await policy()(new Request(`${server.url}/redirect/307?to=/echo&t=w307-${transport}`, { method: "POST", body: "x" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RedirectError);
    expect(server.hits("/echo")).toBe(0);
  });

  it("a loop ends after a few hops with a RedirectError naming the Location", async () => {
    const before = server.hits("/loop");
    const err = await policy()(new Request(`${server.url}/loop`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectError);
    expect((err as Error).message).toContain("/loop");
    expect(server.hits("/loop") - before).toBeLessThanOrEqual(6);
  });
});

describe.each(TRANSPORTS)("defect 6: failures while reading the body are typed and retried when safe (%s transport)", (transport) => {
  it("a GET whose body drops mid-way is retried and succeeds", async () => {
    const f = createPolicyFetch({ vendor: "acme", transport, retry: fastRetry });
    const res = await f(new Request(`${server.url}/mid-body-reset/1?t=get-${transport}`));
    expect(await res.json()).toMatchObject({ ok: true, hit: 2 });
  });

  it('a POST whose body drops is a NetworkError of phase "body", sent once', async () => {
    const f = createPolicyFetch({ vendor: "acme", transport, retry: fastRetry });
    const res = await f(new Request(`${server.url}/mid-body-reset/9?t=post-${transport}`, { method: "POST", body: "x" }));
    const err = await res.json().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).phase).toBe("body");
    expect(server.hits(`/mid-body-reset/9?t=post-${transport}`)).toBe(1);
  });

  it('connection refused is phase "connect", and even a write is tried again (nothing was sent)', async () => {
    const port = await closedPort();
    const retries: number[] = [];
    const f = createPolicyFetch({
      vendor: "acme",
      transport,
      retry: { ...fastRetry, maxAttempts: 3, onRetry: (i) => retries.push(i.attempt) },
    });
    const err = await f(new ReplayableRequest(`http://127.0.0.1:${port}/x`, { method: "POST", body: "x" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).phase).toBe("connect");
    expect(retries).toEqual([1, 2]);
  });
});

describe.each(TRANSPORTS)("defect 10: response bodies are capped (%s transport)", (transport) => {
  const f = createPolicyFetch({ vendor: "acme", transport, retry: false, maxResponseBytes: 1024 * 1024 });

  it("a 2 MB JSON answer without a length fails with ResponseTooLargeError", async () => {
    const err = await (await f(new Request(`${server.url}/big/2000000`))).json().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
  });

  it("a declared length over the cap fails before reading", async () => {
    const err = await (await f(new Request(`${server.url}/big/2000000?length=1`))).text().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
  });

  it("an error answer is cut to an excerpt instead", async () => {
    const text = await (await f(new Request(`${server.url}/big/2000000?status=500`))).text();
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
  });

  it("a streamed body is not capped", async () => {
    let size = 0;
    const reader = (await f(new Request(`${server.url}/big/2000000?type=text/csv`))).body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) size += chunk.value.byteLength;
    expect(size).toBe(2_000_002);
  });
});

describe("defect 7: a caller waiting on a login stops at its abort", () => {
  it("TokenCache.get(signal) rejects with the reason within 50 ms while the login hangs", async () => {
    const cache = new TokenCache({ obtain: () => new Promise(() => {}) });
    const controller = new AbortController();
    const pending = cache.get(controller.signal);
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("caller gave up")), 10);
    await expect(pending).rejects.toThrow("caller gave up");
    // Prompt, not when the (never-ending) login would settle; generous for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe.each(TRANSPORTS)("defects 5 and 9: operations outside the spec and malformed successes (%s transport)", (transport) => {
  const operations = [
    {
      method: "POST",
      path: "/things",
      security: [],
      idempotent: false,
      successBody: "json",
      requestBody: { type: "object", required: ["name"] },
    },
    { method: "GET", path: "/empty-chunked", security: [], idempotent: true, successBody: "json" },
    { method: "GET", path: "/malformed-json", security: [], idempotent: true, successBody: "json" },
    { method: "GET", path: "/status/{code}", security: [], idempotent: true, successBody: "json" },
  ] as const satisfies readonly OperationMeta[];
  const secret = "tok-ECHO-998877";
  const build = () => {
    const baseUrl = server.url;
    const redactor = new Redactor({ secrets: [secret] });
    const operationFetch = createOperationFetch({
      index: createOperationIndex(operations, baseUrl),
      operations,
      baseUrl,
      schemes: {},
      credentials: {},
      fetch: createPolicyFetch({ vendor: "acme", transport, retry: false, redactor }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return bindOperations(createClient<any>({ baseUrl }), {
      vendor: "acme",
      factory: "createAcmeClient",
      fetchFor: operationFetch.fetchFor,
      operationFor: operationFetch.operationFor,
      redactor,
    });
  };

  it("a path not in the spec is refused before the network", async () => {
    const err = await build()
      .GET("/not-in-spec", {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("GET /not-in-spec");
  });

  it("a body without a required field, or not an object, is refused before the network", async () => {
    for (const body of [null, [], {}]) {
      const err = await build()
        .POST("/things", { body })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
    }
  });

  it("an empty or unparsable 2xx where JSON is documented is a MalformedResponseError", async () => {
    await expect(build().GET("/empty-chunked", {})).rejects.toBeInstanceOf(MalformedResponseError);
    const err = await build()
      .GET("/malformed-json", {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(err).toBeInstanceOf(CdpkitError);
  });

  it("an error body handed back without throwing is redacted", async () => {
    const result = await build().GET("/status/{code}", { params: { path: { code: 401 } }, headers: { "x-echo": secret } });
    expect(result.response.status).toBe(401);
    expect(JSON.stringify(result.error)).not.toContain(secret);
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
