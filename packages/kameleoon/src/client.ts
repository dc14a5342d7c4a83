import createClient, { type Client } from "openapi-fetch";
import {
  sharedPolicyOptions,
  type ClientBaseOptions,
  AuthError,
  bindOperations,
  createOperationFetch,
  createOperationIndex,
  createPolicyFetch,
  idempotentRetry,
  httpErrorFor,
  InvalidInputError,
  Redactor,
  ReplayableRequest,
  TokenCache,
  type FetchLike,
  type InvalidInputIssue,
  type ItemSource,
  type OperationInit,
  type OperationMeta,
  type OperationResult,
  type RateLimitRule,
  type RateLimitStore,
} from "@cdpkit/core";
import { sendEventChunks, type ProductEvent, type SendEventsContext, type SendEventsOptions, type SendEventsReport, type VisitEvent } from "./events.js";
import type { paths } from "./generated/openapi.js";
import { operations as generated, securitySchemes, servers } from "./generated/operations.js";

const VENDOR = "kameleoon";
const operations: readonly OperationMeta[] = generated;

/** Data API hosts: Kameleoon's SDK default and the regional servers of the docs. */
export const KAMELEOON_SERVERS = {
  default: servers[0],
  "eu-io": servers[1],
  "na-io": servers[2],
  "eu-eu": servers[3],
  "na-eu": servers[4],
} as const;
export type KameleoonRegion = Exclude<keyof typeof KAMELEOON_SERVERS, "default">;
export const KAMELEOON_TOKEN_URL = "https://api.kameleoon.com/oauth/token";
export const DEFAULT_USER_AGENT = "cdpkit-kameleoon/0.1 (+https://www.npmjs.com/package/@cdpkit/kameleoon)";

/**
 * The documented per-IP limits ("GET Requests 5 per second / 50 per second; Each other HTTP method
 * 50 per second (per method) / 1000 per second (per method)"), unauthenticated and authenticated.
 */
export const KAMELEOON_RATE_LIMITS = {
  unauthenticated: { GET: { limit: 5, intervalMs: 1000 }, other: { limit: 50, intervalMs: 1000 } },
  authenticated: { GET: { limit: 50, intervalMs: 1000 }, other: { limit: 1000, intervalMs: 1000 } },
} as const;

export interface KameleoonClientOptions extends ClientBaseOptions {
  /** Filled into every operation's `siteCode` query parameter when the call does not give one. */
  siteCode?: string;
  /** OAuth2 client credentials (optional: raises the limits; for servers only, never browsers). */
  auth?: { clientId: string; clientSecret: string; tokenUrl?: string };
  /** A regional server; default Kameleoon's SDK default host data.kameleoon.io. */
  region?: KameleoonRegion;
  baseUrl?: string;
  /** Sent on every request: the API rejects bot-like agents. */
  userAgent?: string;
  /** A token is fetched again this long before `expires_in` runs out. Default 60 s. */
  refreshBeforeMs?: number;
  /**
   * Client-side limits per HTTP method, defaulting to the documented ones for the auth in use.
   * `rules` overrides by method ("GET", "POST", ...); `false` turns them off.
   */
  rateLimit?: { rules?: Record<string, RateLimitRule>; store?: RateLimitStore; maxWaitMs?: number } | false;
  throwOnError?: boolean;
}

/** `siteCode` becomes optional when the client was given one. */
type WithOptionalSiteCode<P> = {
  [Path in keyof P]: {
    [M in keyof P[Path]]: P[Path][M] extends { parameters: { query: infer Q } }
      ? "siteCode" extends keyof Q
        ? Omit<P[Path][M], "parameters"> & {
            parameters: Omit<P[Path][M]["parameters"], "query"> & { query?: Omit<Q, "siteCode"> & { siteCode?: string } };
          }
        : P[Path][M]
      : P[Path][M];
  };
};
export type KameleoonPaths = WithOptionalSiteCode<paths>;
export type KameleoonApi = Client<KameleoonPaths>;

export interface KameleoonClient extends KameleoonApi {
  /** Visit events in the line format (or JSON), nonce per event, bodies split to stay under 1 MB. */
  sendVisitEvents(events: ItemSource<VisitEvent>, options?: SendEventsOptions & { visitorCode?: string }): Promise<SendEventsReport<VisitEvent>>;
  /** Product events likewise, `ean` per event or once for all. */
  sendProductEvents(events: ItemSource<ProductEvent>, options?: SendEventsOptions & { ean?: string }): Promise<SendEventsReport<ProductEvent>>;
  readonly auth: { token(): Promise<string>; readonly stats: { readonly requested: number; readonly invalidated: number } };
}

/** The operations whose `siteCode` query parameter is required (all but the two product reads, whose parameters are not published). */
const SITE_CODE_PATHS: Record<string, true> = {
  "GET /visit/visitor": true,
  "POST /visit/forget": true,
  "POST /visit/events": true,
  "POST /product/events": true,
  "GET /map/map": true,
  "GET /map/maps": true,
  "POST /map/maps": true,
};

const MAX_KEY_CHARS = 100;
const MAX_FIELD_NAME_CHARS = 1024;
const MAX_MAP_KEYS = 100;

/**
 * What the docs state about a call's input and OpenAPI cannot (one of two parameters) or Prism would
 * only catch as a 422: checked before anything is sent, so bad input is an InvalidInputError naming it.
 */
function checkCall(method: string, path: string, query: Record<string, unknown>, body: unknown): void {
  const issues: InvalidInputIssue[] = [];
  const op = `${method} ${path}`;
  if (SITE_CODE_PATHS[op] && (typeof query.siteCode !== "string" || query.siteCode === "")) {
    issues.push({ path: "params.query.siteCode", message: "is required (pass it here or as `siteCode` to createKameleoonClient)" });
  }
  if (op === "GET /visit/visitor" && !query.visitorCode && !query.mappingValue) {
    issues.push({ path: "params.query.visitorCode", message: "or mappingValue is required" });
  }
  if (op === "GET /map/maps" && query.keys !== undefined) {
    let keys: unknown;
    try {
      keys = typeof query.keys === "string" ? JSON.parse(query.keys) : undefined;
    } catch {
      keys = undefined;
    }
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
      issues.push({ path: "params.query.keys", message: 'must be a JSON array of strings, e.g. JSON.stringify(["key1","key2"])' });
    } else if (keys.length > MAX_MAP_KEYS) {
      issues.push({ path: "params.query.keys", message: `holds ${keys.length} keys; at most ${MAX_MAP_KEYS}` });
    }
  }
  if (op === "POST /map/maps" && body && typeof body === "object") {
    for (const [key, map] of Object.entries(body)) {
      if (key.length > MAX_KEY_CHARS) issues.push({ path: `body[${JSON.stringify(key.slice(0, 20) + "...")}]`, message: `key longer than ${MAX_KEY_CHARS} characters` });
      if (map && typeof map === "object") {
        for (const field of Object.keys(map)) {
          if (field.length > MAX_FIELD_NAME_CHARS) issues.push({ path: `body.${key}`, message: `a field name is longer than ${MAX_FIELD_NAME_CHARS} characters` });
        }
      }
    }
  }
  if (op === "POST /visit/forget" && typeof body === "string") {
    body.split(/\r?\n/).forEach((code, line) => {
      if (code.length > MAX_KEY_CHARS) issues.push({ path: `body line ${line + 1}`, message: `visitor code longer than ${MAX_KEY_CHARS} characters` });
    });
  }
  if (issues.length > 0) {
    throw new InvalidInputError({ vendor: VENDOR, message: `${op}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues });
  }
}

function validate(options: KameleoonClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  const str = (v: unknown) => typeof v === "string" && v.trim() !== "";
  if (options?.siteCode !== undefined && !str(options.siteCode)) issues.push({ path: "siteCode", message: "must be a non-empty string" });
  if (options?.auth !== undefined) {
    if (!str(options.auth?.clientId)) issues.push({ path: "auth.clientId", message: "must be a non-empty string" });
    if (!str(options.auth?.clientSecret)) issues.push({ path: "auth.clientSecret", message: "must be a non-empty string" });
    // CR, LF, NUL: a header or form cannot carry them safely, and fetch's TypeError would echo the value.
    for (const key of ["clientId", "clientSecret"] as const) {
      const value = options.auth?.[key];
      if (str(value) && /[\r\n\0]/.test(value as string)) issues.push({ path: `auth.${key}`, message: "must not contain CR, LF or NUL characters" });
    }
    if (options.auth?.tokenUrl !== undefined && !URL.canParse(options.auth.tokenUrl)) issues.push({ path: "auth.tokenUrl", message: "must be an absolute URL" });
  }
  if (options?.region !== undefined && !(options.region in KAMELEOON_SERVERS && options.region !== ("default" as never))) {
    issues.push({ path: "region", message: `must be one of ${Object.keys(KAMELEOON_SERVERS).filter((k) => k !== "default").join(", ")}` });
  }
  if (options?.baseUrl !== undefined && !URL.canParse(options.baseUrl)) issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  if (options?.userAgent !== undefined && !str(options.userAgent)) issues.push({ path: "userAgent", message: "must be a non-empty string" });
  if (issues.length > 0) {
    throw new InvalidInputError({ vendor: VENDOR, message: `createKameleoonClient: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues });
  }
}

export function createKameleoonClient(options: KameleoonClientOptions = {}): KameleoonClient {
  validate(options);
  const baseUrl = (options.baseUrl ?? (options.region ? KAMELEOON_SERVERS[options.region] : KAMELEOON_SERVERS.default)).replace(/\/+$/, "");
  const index = createOperationIndex(operations, baseUrl);
  // Every token issued stays a secret (an old one may still show up in a late error), bounded to the last few.
  const issuedTokens: string[] = [];
  const redactor = new Redactor({ secrets: () => [options.auth?.clientSecret, ...issuedTokens].filter((s): s is string => !!s) });
  const limits = options.auth ? KAMELEOON_RATE_LIMITS.authenticated : KAMELEOON_RATE_LIMITS.unauthenticated;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const tokenUrl = options.auth?.tokenUrl ?? KAMELEOON_TOKEN_URL;

  const policyFetch = createPolicyFetch({
    vendor: VENDOR,
    redactor,
    ...sharedPolicyOptions(options),
    operationFor: (request) => index.findRequest(request),
    retry: idempotentRetry(index, options.retry, options.clock),
    rateLimit:
      options.rateLimit === false
        ? false
        : {
            // Counted per HTTP method: GET has its own budget, and so has each other method.
            rules: Object.fromEntries(
              ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].map((m) => [
                m,
                (options.rateLimit !== false && options.rateLimit?.rules?.[m]) || (m === "GET" ? limits.GET : limits.other),
              ]),
            ),
            // Only Data API calls count: the token request (another API, normally another host) does not.
            scopeFor: (request) =>
              request.url !== tokenUrl && new URL(request.url).origin === new URL(baseUrl).origin ? request.method.toUpperCase() : undefined,
            keyPrefix: VENDOR,
            store: options.rateLimit?.store,
            maxWaitMs: options.rateLimit?.maxWaitMs,
            clock: options.clock,
          },
  });
  // Every request carries a User-Agent of our own: "requests whose User-Agent matches [a bot list] are rejected".
  const send: FetchLike = (request) => {
    request.headers.set("user-agent", userAgent);
    return policyFetch(request);
  };

  let tokens: TokenCache | undefined;
  if (options.auth) {
    const { clientId, clientSecret } = options.auth;
    const clock = options.clock;
    tokens = new TokenCache({
      refreshBeforeMs: options.refreshBeforeMs ?? 60_000,
      ...(clock ? { clock } : {}),
      obtain: async () => {
        const body = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret });
        const response = await send(
          new ReplayableRequest(tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body }),
        );
        const text = await response.text();
        let parsed: { access_token?: unknown; expires_in?: unknown } | undefined;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        if (!response.ok || typeof parsed?.access_token !== "string" || parsed.access_token === "") {
          throw new AuthError({
            vendor: VENDOR,
            status: response.status,
            method: "POST",
            url: tokenUrl,
            body: parsed ?? text,
            redactor,
            message: `kameleoon token request failed with HTTP ${response.status}${response.ok ? " (no access_token in the answer)" : ""}`,
          });
        }
        issuedTokens.push(parsed.access_token);
        if (issuedTokens.length > 8) issuedTokens.shift();
        const now = (clock ?? { now: Date.now }).now();
        return typeof parsed.expires_in === "number" ? { token: parsed.access_token, expiresAt: now + parsed.expires_in * 1000 } : { token: parsed.access_token };
      },
    });
  }
  const cache = tokens;
  const transport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes: securitySchemes,
    credentials: { OAuth2: cache ? (signal) => cache.get(signal) : undefined },
    fetch: send,
    onUnauthorized: ({ request }) => {
      const used = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
      if (!cache || !used) return false;
      cache.invalidate(used);
      return true;
    },
  });

  const base = createClient<paths>({ baseUrl, Request: ReplayableRequest });
  /** Operations whose spec declares a required `siteCode` query parameter. */
  const withSiteCode = new Set(Object.keys(SITE_CODE_PATHS));
  const throwOnError = options.throwOnError ?? false;
  const errorFor = (result: OperationResult) =>
    httpErrorFor({ vendor: VENDOR, status: result.response.status, headers: result.response.headers, method: "POST", url: result.response.url, body: result.error, redactor });
  const api = bindOperations(base, {
    vendor: VENDOR,
    factory: "createKameleoonClient",
    fetchFor: transport.fetchFor,
    operationFor: transport.operationFor,
    redactor,
    prepare: (init: OperationInit | undefined, method, path) => {
      let next: OperationInit = { ...init };
      const params = (init?.params ?? {}) as { query?: Record<string, unknown> };
      let query = params.query ?? {};
      if (withSiteCode.has(`${method} ${path}`)) {
        if (options.siteCode && query.siteCode === undefined) query = { siteCode: options.siteCode, ...query };
        next = { ...next, params: { ...params, query } };
      }
      checkCall(method, path, query, init?.body);
      // Line-format and visitor-list bodies are plain text: sent as given, not JSON-encoded.
      if (typeof init?.body === "string") {
        next.bodySerializer = (b: unknown) => b;
        const headers = new Headers(init.headers as HeadersInit | undefined);
        if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
        next.headers = headers;
      }
      return next;
    },
    finish: async (call, method) => {
      const result = await call();
      if (throwOnError && !result.response.ok) {
        throw httpErrorFor({ vendor: VENDOR, status: result.response.status, headers: result.response.headers, method, url: result.response.url, body: result.error, redactor });
      }
      return result;
    },
  }) as unknown as KameleoonApi;

  const post = api.POST as unknown as (path: string, init: Record<string, unknown>) => Promise<OperationResult>;
  /** Both event endpoints take the same body formats; `idField` may be given once for all events as a query parameter. */
  const eventsContext = (path: "/visit/events" | "/product/events", idField: "visitorCode" | "ean", common: string | undefined): SendEventsContext => ({
    idField,
    ...(common ? { common } : {}),
    redactor,
    errorFor,
    send: (body, format, signal) =>
      post(path, {
        params: { query: { ...(common ? { [idField]: common } : {}), ...(format === "json" ? { json: true } : {}) } },
        body,
        headers: { "content-type": format === "json" ? "application/json" : "text/plain; charset=utf-8" },
        ...(signal ? { signal } : {}),
      }),
  });
  const client = api as KameleoonClient;
  Object.assign(client, {
    sendVisitEvents: (events: ItemSource<VisitEvent>, opts: SendEventsOptions & { visitorCode?: string } = {}) =>
      sendEventChunks(events, opts, eventsContext("/visit/events", "visitorCode", opts.visitorCode)),
    sendProductEvents: (events: ItemSource<ProductEvent>, opts: SendEventsOptions & { ean?: string } = {}) =>
      sendEventChunks(events, opts, eventsContext("/product/events", "ean", opts.ean)),
    auth: {
      token: () => (cache ? cache.get() : Promise.reject(new InvalidInputError({ vendor: VENDOR, message: "createKameleoonClient: no auth configured", issues: [{ path: "auth", message: "missing" }] }))),
      get stats() {
        const s = cache?.stats;
        return { requested: s?.obtained ?? 0, invalidated: s?.invalidated ?? 0 };
      },
    },
  });
  return client;
}
