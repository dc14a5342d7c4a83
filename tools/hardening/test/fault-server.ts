/**
 * A scripted HTTP server for the hardening suites. Requests cross real sockets on 127.0.0.1 so the
 * clients are exercised against undici exactly as in production.
 *
 * Built on the test kit's server (@cdpkit/testkit). Behaviour per request: the test sets a script per path (a list of faults consumed one per request
 * to that path); when a path's script is empty the server answers the vendor's documented success
 * (or the path's fallback fault, when one is set). Every request is recorded: method, path, query,
 * headers, body text, the credentials it carried and, for writes, its dedup keys (DFINERY
 * `event_log_id`, Synerise `eventSalt`, Kameleoon `nonce`, else a hash of the body) so a test can
 * count the attempts that reached the server and see whether a write was sent twice.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { createTestServer, makeJwt, type RecordedRequest } from "@cdpkit/testkit";

export type Vendor = "dfinery" | "synerise" | "altcraft" | "kameleoon";

/** The kit's record of a request (seq, method, path, search, query, headers, body, ...) and what this server adds. */
export interface Recorded extends RecordedRequest {
  /** Credential values this request carried (headers, JSON/form body, query). */
  readonly credentials: readonly string[];
  /** Writes only: the ids a re-send would repeat. */
  readonly dedupKeys: readonly string[];
  /** What the server did with it. */
  fault: string;
}

/** A body given as text, as JSON (any non-string value), or computed from the request. */
export type BodySpec = string | object | ((rec: Recorded, server: FaultServer) => string | object);

export type Fault =
  /** Any status with a body (JSON unless a string is given) and headers. */
  | { kind: "status"; status: number; body?: BodySpec; headers?: Record<string, string>; contentType?: string }
  /** The vendor's documented success, with extra headers. */
  | { kind: "ok"; headers?: Record<string, string> | (() => Record<string, string>) }
  /** The socket is destroyed after the request arrived, before any byte of the answer. */
  | { kind: "reset-before-headers" }
  /** Headers (with a Content-Length larger than what follows) and part of the body, then the socket is destroyed. */
  | { kind: "reset-mid-body"; status?: number }
  /** Never answers (the socket stays open until the client gives up, at most 30 s). */
  | { kind: "no-answer" }
  /** 200 headers at once, then one byte every `everyMs` (bounded to 150 bytes). */
  | { kind: "trickle"; everyMs?: number }
  /** Exact bytes: status, headers and body as given; `chunked` drops Content-Length. */
  | { kind: "raw"; status: number; headers: Record<string, string>; body: string; chunked?: boolean }
  /** A huge body (default 40 MB: one JSON string built once per process), streamed with backpressure. */
  | { kind: "huge"; status: number; bytes?: number; contentType?: string; chunked?: boolean }
  | { kind: "redirect"; status: 301 | 302 | 303 | 307 | 308; location: string | ((rec: Recorded, server: FaultServer) => string) };

export interface FaultServerOptions {
  vendor: Vendor;
  /** Synerise: the JWT a login hands out; `n` counts logins from 1. Default: a JWT whose exp is 1 h ahead. */
  jwt?: (n: number) => string;
  /** Kameleoon: the OAuth2 access token the token endpoint hands out. */
  accessToken?: (n: number) => string;
}

export interface FaultServer {
  readonly url: string;
  readonly origin: string;
  readonly requests: Recorded[];
  /** Replaces the script of `path` (pathname, no query). */
  script(path: string, faults: Fault[]): void;
  /** What `path` answers once its script is used up (instead of the vendor success). */
  fallback(path: string, fault: Fault): void;
  /** Requests that reached `path` (optionally only with `method`). */
  hits(path: string, method?: string): number;
  requestsTo(path: string): Recorded[];
  /** True when some write to `path` was received twice with the same dedup key. */
  resent(path: string): boolean;
  /** Every credential any request carried so far, plus every token this server issued. */
  credentialsSeen(): string[];
  readonly issuedJwts: string[];
  readonly issuedAccessTokens: string[];
  close(): Promise<void>;
}

let hugeBody: Buffer | undefined;
/** 40 MB of JSON (one string), built once per process and shared by every huge answer. */
function hugeJson(bytes: number): Buffer {
  if (!hugeBody || hugeBody.length < bytes) {
    hugeBody = Buffer.alloc(Math.max(bytes, 40 * 1024 * 1024), 0x61);
  }
  return hugeBody;
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 24);

/** Credential values a request carries, wherever the four vendors put them. */
function credentialsOf(headers: IncomingHttpHeaders, body: string, query: URLSearchParams): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string" && v !== "") out.add(v);
  };
  add(headers["access_token"]);
  const auth = headers.authorization;
  if (typeof auth === "string") {
    add(auth);
    add(auth.replace(/^(Bearer|Basic)\s+/i, ""));
  }
  add(query.get("token") ?? undefined);
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const key of ["token", "apiKey", "password", "client_secret"]) add(parsed[key]);
    }
  } catch {
    const form = new URLSearchParams(body);
    add(form.get("client_secret") ?? undefined);
  }
  return [...out];
}

/** DFINERY event_log_id, Synerise eventSalt, Kameleoon nonce; else a hash of the body. */
export function dedupKeysOf(method: string, body: string): string[] {
  if (method === "GET" || method === "HEAD") return [];
  const keys: string[] = [];
  try {
    const parsed: unknown = JSON.parse(body);
    const items: unknown[] = Array.isArray(parsed)
      ? parsed
      : parsed && typeof parsed === "object" && Array.isArray((parsed as { events?: unknown }).events)
        ? (parsed as { events: unknown[] }).events
        : [];
    for (const item of items) {
      const rec = item as Record<string, unknown> | null;
      const id = rec?.event_log_id ?? rec?.eventSalt ?? rec?.nonce;
      if (typeof id === "string") keys.push(id);
    }
  } catch {
    for (const line of body.split("\n")) {
      const nonce = new URLSearchParams(line).get("nonce");
      if (nonce) keys.push(nonce);
    }
  }
  return keys.length > 0 ? keys : body === "" ? [] : [`sha256:${sha(body)}`];
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** The documented success of each vendor operation the suites use. */
function vendorSuccess(vendor: Vendor, rec: Recorded, state: { nextJwt(): string; nextAccessToken(): string }): Answer {
  switch (vendor) {
    case "dfinery":
      // The Import API envelope (specs/dfinery ImportOkNumericDocs).
      return jsonAnswer(200, { status: true, code: 20000, message: "OK" });
    case "synerise": {
      if (rec.method === "POST" && rec.path === "/v4/auth/login/profile") return jsonAnswer(200, { token: state.nextJwt() });
      const profile = /^\/v4\/clients\/(\d+)$/.exec(rec.path);
      if (rec.method === "GET" && profile) return jsonAnswer(200, { clientId: Number(profile[1]), email: "jane@example.com" });
      // /v4/events/*: "Accepted: the data is queued for processing (the docs show no response body)".
      if (rec.method === "POST" && rec.path.startsWith("/v4/events/")) return { status: 202, headers: {}, body: "" };
      return jsonAnswer(200, {});
    }
    case "altcraft": {
      const data = rec.path.endsWith("/profiles/import")
        ? { profile_id: "5f1e0c0e8e4b3a0001a1b2c3" }
        : { profile_id: "5f1e0c0e8e4b3a0001a1b2c3", email: "jane@example.com" };
      return jsonAnswer(200, { error: 0, error_text: "Successful operation", data });
    }
    case "kameleoon": {
      if (rec.method === "POST" && rec.path === "/oauth/token") {
        return jsonAnswer(200, { access_token: state.nextAccessToken(), token_type: "Bearer", expires_in: 3600 });
      }
      if (rec.method === "GET" && rec.path === "/visit/visitor") return jsonAnswer(200, { currentVisit: null, previousVisits: [] });
      if (rec.method === "GET") return jsonAnswer(200, {});
      // POST /visit/events, /product/events, /map/maps, /visit/forget: 204 Accepted.
      return { status: 204, headers: {}, body: "" };
    }
  }
}

export async function startFaultServer(options: FaultServerOptions): Promise<FaultServer> {
  const { vendor } = options;
  const scripts = new Map<string, Fault[]>();
  const fallbacks = new Map<string, Fault>();
  // Keep-alive sockets would hold close() open.
  const server = await createTestServer({ keepAliveTimeout: 1000 });
  // Every request goes through the fallback below, which makes each kit record a Recorded.
  const requests = server.requests as Recorded[];
  const seenCredentials = new Set<string>();
  const issuedJwts: string[] = [];
  const issuedAccessTokens: string[] = [];
  const state = {
    nextJwt: () => {
      const n = issuedJwts.length + 1;
      const token = options.jwt ? options.jwt(n) : makeJwt({ sub: "workspace", n, exp: Math.floor(Date.now() / 1000) + 3600 });
      issuedJwts.push(token);
      return token;
    },
    nextAccessToken: () => {
      const n = issuedAccessTokens.length + 1;
      const token = options.accessToken ? options.accessToken(n) : `kameleoon-access-${n}`;
      issuedAccessTokens.push(token);
      return token;
    },
  };

  let api!: FaultServer;
  const send = (res: ServerResponse, answer: Answer): void => {
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...answer.headers, "content-length": String(Buffer.byteLength(answer.body)) });
    res.end(answer.body);
  };
  const bodyOf = (spec: BodySpec | undefined, rec: Recorded): string | object | undefined =>
    typeof spec === "function" ? spec(rec, api) : spec;

  const apply = (fault: Fault | undefined, rec: Recorded, res: ServerResponse): void => {
    if (!fault) {
      rec.fault = "success";
      return send(res, vendorSuccess(vendor, rec, state));
    }
    rec.fault = fault.kind;
    switch (fault.kind) {
      case "ok": {
        const extra = typeof fault.headers === "function" ? fault.headers() : (fault.headers ?? {});
        const answer = vendorSuccess(vendor, rec, state);
        return send(res, { ...answer, headers: { ...answer.headers, ...extra } });
      }
      case "status": {
        const body = bodyOf(fault.body, rec);
        const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
        const contentType = fault.contentType ?? (typeof body === "string" ? "text/plain; charset=utf-8" : "application/json");
        return send(res, { status: fault.status, headers: { "content-type": contentType, ...(fault.headers ?? {}) }, body: text });
      }
      case "raw": {
        if (fault.chunked) {
          res.writeHead(fault.status, fault.headers);
          if (fault.body !== "") res.write(fault.body);
          res.end();
          return;
        }
        return send(res, { status: fault.status, headers: fault.headers, body: fault.body });
      }
      case "reset-before-headers":
        return server.resetBeforeHeaders(res);
      case "reset-mid-body": {
        const part =
          vendor === "altcraft"
            ? '{"error":0,"error_text":"Successful op'
            : vendor === "dfinery"
              ? '{"status":true,"code":200'
              : '{"clientId":42,"email":"ja';
        return server.resetMidBody(res, { status: fault.status, contentLength: 4096, partial: part, afterMs: 20 });
      }
      case "no-answer":
        // Bounded: the socket is dropped after 30 s if the client never gives up.
        return server.hold(res, 30_000);
      case "trickle":
        return server.trickle(res, ['{"slow":"', ..."x".repeat(149), '"}'], fault.everyMs ?? 200);
      case "huge": {
        const bytes = fault.bytes ?? 40 * 1024 * 1024;
        const source = hugeJson(bytes);
        const headers: Record<string, string> = { "content-type": fault.contentType ?? "application/json" };
        if (!fault.chunked) headers["content-length"] = String(bytes);
        res.writeHead(fault.status, headers);
        const quote = Buffer.from('"');
        let offset = 0;
        const chunk = 256 * 1024;
        const pump = (): void => {
          while (offset < bytes) {
            if (res.destroyed) return;
            const end = Math.min(offset + chunk, bytes);
            let piece = source.subarray(offset, end);
            // A JSON string: a quote first and last, `a` in between.
            if (offset === 0 || end === bytes) {
              piece = Buffer.from(piece);
              if (offset === 0) quote.copy(piece, 0);
              if (end === bytes) quote.copy(piece, piece.length - 1);
            }
            offset = end;
            if (!res.write(piece)) {
              res.once("drain", pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      case "redirect": {
        const location = typeof fault.location === "function" ? fault.location(rec, api) : fault.location;
        return send(res, {
          status: fault.status,
          headers: { location, "content-type": "text/html" },
          body: `<html><body>Moved to <a href="${location}">here</a></body></html>`,
        });
      }
    }
  };

  server.fallback((req, res) => {
    const credentials = credentialsOf(req.headers, req.body, req.query);
    for (const c of credentials) seenCredentials.add(c);
    const rec: Recorded = Object.assign(req, { credentials, dedupKeys: dedupKeysOf(req.method, req.body), fault: "" });
    const queue = scripts.get(rec.path);
    const fault = queue && queue.length > 0 ? queue.shift() : fallbacks.get(rec.path);
    try {
      apply(fault, rec, res);
    } catch (error) {
      send(res, jsonAnswer(500, { fault_server_error: String(error) }));
    }
  });
  api = {
    url: server.url,
    origin: server.url,
    requests,
    script: (path, faults) => void scripts.set(path, [...faults]),
    fallback: (path, fault) => void fallbacks.set(path, fault),
    hits: (path, method) => requests.filter((r) => r.path === path && (method === undefined || r.method === method)).length,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    resent: (path) => {
      const seen = new Set<string>();
      for (const r of requests) {
        if (r.path !== path) continue;
        for (const key of r.dedupKeys) {
          if (seen.has(key)) return true;
          seen.add(key);
        }
      }
      return false;
    },
    credentialsSeen: () => [...new Set([...seenCredentials, ...issuedJwts, ...issuedAccessTokens])],
    issuedJwts,
    issuedAccessTokens,
    close: () => server.close(),
  };
  return api;
}

/** Constructors for the faults the suites use. */
export const F = {
  status: (status: number, body?: BodySpec, headers?: Record<string, string>, contentType?: string): Fault => ({
    kind: "status",
    status,
    ...(body === undefined ? {} : { body }),
    ...(headers ? { headers } : {}),
    ...(contentType ? { contentType } : {}),
  }),
  ok: (headers?: Record<string, string> | (() => Record<string, string>)): Fault => ({ kind: "ok", ...(headers ? { headers } : {}) }),
  /** 429 with `Retry-After` in seconds. */
  retryAfterSeconds: (seconds: number): Fault => ({
    kind: "status",
    status: 429,
    body: { error: "Too Many Requests" },
    headers: { "retry-after": String(seconds) },
  }),
  /** 429 with `Retry-After` as an HTTP date `msAhead` from the moment it is sent. */
  retryAfterDate: (msAhead: number): Fault => ({
    kind: "status",
    status: 429,
    body: { error: "Too Many Requests" },
    get headers() {
      return { "retry-after": new Date(Date.now() + msAhead).toUTCString() };
    },
  }),
  /** DFINERY style: remaining 0 and the reset as epoch milliseconds. */
  resetEpochMs: (msAhead: number): Fault => ({
    kind: "status",
    status: 429,
    body: { status: false, code: 40401, message: "TOO_MANY_REQUEST" },
    get headers() {
      return { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Date.now() + msAhead) };
    },
  }),
  /** Remaining 0 and the reset as epoch seconds. */
  resetEpochS: (secondsAhead: number): Fault => ({
    kind: "status",
    status: 429,
    body: { status: false, code: 40401, message: "TOO_MANY_REQUEST" },
    get headers() {
      return { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + secondsAhead) };
    },
  }),
  /** An HTML error page of about `bytes` bytes (text/html), like a proxy or CDN sends. */
  html: (status: number, bytes = 20_000, extra = ""): Fault => {
    const head = `<!DOCTYPE html><html><head><title>${status} Service Unavailable</title></head><body><h1>${status}</h1><p>The upstream server is unavailable. ${extra}</p>`;
    const filler = '<div class="cf-error-details">Please try again in a few minutes.</div>';
    let page = head;
    while (page.length < bytes) page += filler;
    return { kind: "raw", status, headers: { "content-type": "text/html; charset=utf-8" }, body: `${page}</body></html>` };
  },
  truncatedJson: (status = 200): Fault => ({ kind: "raw", status, headers: { "content-type": "application/json" }, body: '{"trunc' }),
  emptyContentLength0: (status = 200): Fault => ({ kind: "raw", status, headers: { "content-type": "application/json" }, body: "" }),
  emptyChunked: (status = 200): Fault => ({
    kind: "raw",
    status,
    headers: { "content-type": "application/json" },
    body: "",
    chunked: true,
  }),
  json: (value: unknown, status = 200): Fault => ({
    kind: "raw",
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(value),
  }),
  huge: (status: number, contentType = "application/json", bytes?: number): Fault => ({
    kind: "huge",
    status,
    contentType,
    chunked: true,
    ...(bytes === undefined ? {} : { bytes }),
  }),
  redirect: (status: 301 | 302 | 303 | 307 | 308, location: string | ((rec: Recorded, server: FaultServer) => string)): Fault => ({
    kind: "redirect",
    status,
    location,
  }),
  resetBeforeHeaders: (): Fault => ({ kind: "reset-before-headers" }),
  resetMidBody: (): Fault => ({ kind: "reset-mid-body" }),
  noAnswer: (): Fault => ({ kind: "no-answer" }),
  trickle: (everyMs = 200): Fault => ({ kind: "trickle", everyMs }),
  times: (n: number, fault: Fault): Fault[] => Array.from({ length: n }, () => fault),
};
