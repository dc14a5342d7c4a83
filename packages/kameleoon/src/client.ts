import {
  assertClientOptions,
  loadHelper,
  noAuthConfigured,
  AuthError,
  clientCredentials,
  createVendorClient,
  credentialIssue,
  InvalidInputError,
  type CachedTokenSource,
  type ClientBaseOptions,
  type ClientFilledPaths,
  type InvalidInputIssue,
  type ItemSource,
  type OperationInit,
  type OperationResult,
  type VendorClient,
  type VendorRateLimitOptions,
} from "@cdpkit/core";
import type { Client } from "openapi-fetch";
import type { ProductEvent, SendEventsContext, SendEventsOptions, SendEventsReport, VisitEvent } from "./events.js";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, servers, type ClientFilledParameters } from "./generated/operations.js";

const VENDOR = "kameleoon";
const FACTORY = "createKameleoonClient";

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
   * Client-side limits per HTTP method, the documented ones for the auth in use (`x-cdpkit-rate-limit`:
   * GET 5/s or 50/s with a token, each other method 50/s or 1000/s). `rules` overrides by method
   * ("GET", "POST", ...); `false` turns them off.
   */
  rateLimit?: VendorRateLimitOptions<"GET" | "POST"> | false;
  /** Throw a typed error for non-2xx answers instead of returning `{ error, response }`. Default false. */
  throwOnError?: boolean;
}

/** The spec's paths with `siteCode` optional: the client fills it in when it was given one. */
export type KameleoonPaths = ClientFilledPaths<paths, ClientFilledParameters>;
export type KameleoonApi = Client<KameleoonPaths>;

export interface KameleoonClient extends KameleoonApi {
  /** Visit events in the line format (or JSON), nonce per event, bodies split to stay under 1 MB. */
  sendVisitEvents(
    events: ItemSource<VisitEvent>,
    options?: SendEventsOptions & { visitorCode?: string },
  ): Promise<SendEventsReport<VisitEvent>>;
  /** Product events likewise, `ean` per event or once for all. */
  sendProductEvents(
    events: ItemSource<ProductEvent>,
    options?: SendEventsOptions & { ean?: string },
  ): Promise<SendEventsReport<ProductEvent>>;
  readonly auth: { token(): Promise<string>; readonly stats: { readonly requested: number; readonly invalidated: number } };
}

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
      if (key.length > MAX_KEY_CHARS)
        issues.push({ path: `body[${JSON.stringify(key.slice(0, 20) + "...")}]`, message: `key longer than ${MAX_KEY_CHARS} characters` });
      if (map && typeof map === "object") {
        for (const field of Object.keys(map)) {
          if (field.length > MAX_FIELD_NAME_CHARS)
            issues.push({ path: `body.${key}`, message: `a field name is longer than ${MAX_FIELD_NAME_CHARS} characters` });
        }
      }
    }
  }
  if (op === "POST /visit/forget" && typeof body === "string") {
    body.split(/\r?\n/).forEach((code, line) => {
      if (code.length > MAX_KEY_CHARS)
        issues.push({ path: `body line ${line + 1}`, message: `visitor code longer than ${MAX_KEY_CHARS} characters` });
    });
  }
  if (issues.length > 0)
    throw new InvalidInputError({ vendor: VENDOR, message: `${op}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues });
}

function validate(options: KameleoonClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  const str = (v: unknown) => typeof v === "string" && v.trim() !== "";
  if (options?.siteCode !== undefined && !str(options.siteCode)) issues.push({ path: "siteCode", message: "must be a non-empty string" });
  if (options?.auth !== undefined) {
    for (const key of ["clientId", "clientSecret"] as const) {
      const issue = credentialIssue(`auth.${key}`, options.auth?.[key]);
      if (issue) issues.push(issue);
    }
    if (options.auth?.tokenUrl !== undefined && !URL.canParse(options.auth.tokenUrl))
      issues.push({ path: "auth.tokenUrl", message: "must be an absolute URL" });
  }
  const regions = Object.keys(KAMELEOON_SERVERS).filter((k) => k !== "default");
  if (options?.region !== undefined && !regions.includes(options.region))
    issues.push({ path: "region", message: `must be one of ${regions.join(", ")}` });
  if (options?.userAgent !== undefined && !str(options.userAgent))
    issues.push({ path: "userAgent", message: "must be a non-empty string" });
  assertClientOptions(VENDOR, FACTORY, options, issues);
}

export function createKameleoonClient(options: KameleoonClientOptions = {}): KameleoonClient {
  validate(options);
  let tokens: CachedTokenSource | undefined;
  const client: VendorClient<KameleoonApi> = createVendorClient<paths, KameleoonApi>(
    { vendor: VENDOR, factory: FACTORY, operations, securitySchemes },
    options,
    {
      baseUrl: options.baseUrl ?? (options.region ? KAMELEOON_SERVERS[options.region] : KAMELEOON_SERVERS.default),
      credentials: ({ send, redactor }) => {
        if (!options.auth) return {};
        const tokenUrl = options.auth.tokenUrl ?? KAMELEOON_TOKEN_URL;
        tokens = clientCredentials({
          tokenUrl,
          clientId: options.auth.clientId,
          clientSecret: options.auth.clientSecret,
          send,
          ...(options.refreshBeforeMs !== undefined ? { refreshBeforeMs: options.refreshBeforeMs } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
          fail: (response, body) =>
            new AuthError({
              vendor: VENDOR,
              status: response.status,
              method: "POST",
              url: tokenUrl,
              body,
              redactor,
              message: `kameleoon token request failed with HTTP ${response.status}${response.ok ? " (no access_token in the answer)" : ""}`,
            }),
        });
        return { OAuth2: tokens };
      },
      secrets: () => [options.auth?.clientSecret, ...(tokens?.issued() ?? [])],
      fills: { siteCode: options.siteCode },
      rateLimit:
        options.rateLimit === false ? false : { ...options.rateLimit, keyPrefix: VENDOR, authenticated: options.auth !== undefined },
      // "Requests whose User-Agent matches [a bot list] are rejected": every request carries ours.
      headers: { "user-agent": options.userAgent ?? DEFAULT_USER_AGENT },
      prepare: (init: OperationInit | undefined, method, path) => {
        const query = (init?.params as { query?: Record<string, unknown> } | undefined)?.query ?? {};
        checkCall(method, path, query, init?.body);
        if (typeof init?.body !== "string") return init;
        // Line-format and visitor-list bodies are plain text: sent as given, not JSON-encoded.
        const headers = new Headers(init.headers as HeadersInit | undefined);
        if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
        return { ...init, headers };
      },
    },
  );
  const post = client.api.POST as unknown as (path: string, init: Record<string, unknown>) => Promise<OperationResult>;
  /** Both event endpoints take the same body formats; `idField` may be given once for all events as a query parameter. */
  const eventsContext = (
    path: "/visit/events" | "/product/events",
    idField: "visitorCode" | "ean",
    common: string | undefined,
  ): SendEventsContext => ({
    idField,
    ...(common ? { common } : {}),
    redactor: client.redactor,
    errorFor: (result) => client.errorFor(result, "POST", path),
    send: (body, format, signal) =>
      post(path, {
        params: { query: { ...(common ? { [idField]: common } : {}), ...(format === "json" ? { json: true } : {}) } },
        body,
        headers: { "content-type": format === "json" ? "application/json" : "text/plain; charset=utf-8" },
        ...(signal ? { signal } : {}),
      }),
  });
  // The events module (and core's batch engine under it) loads at the first send: a bundler leaves it out of
  // the page an app that never sends events loads first (issue 13's bundle target).
  // `helper` is typed out because TypeScript calls an assertion function (assertCommonId) only through a name
  // declared with an explicit type.
  return Object.assign(client.api as KameleoonClient, {
    sendVisitEvents: async (events: ItemSource<VisitEvent>, opts: SendEventsOptions & { visitorCode?: string } = {}) => {
      const helper: typeof import("./events.js") = await loadHelper(VENDOR, "sendVisitEvents", () => import("./events.js"));
      helper.assertCommonId("visitorCode", opts.visitorCode, "sendVisitEvents");
      return helper.sendEventChunks(events, opts, eventsContext("/visit/events", "visitorCode", opts.visitorCode));
    },
    sendProductEvents: async (events: ItemSource<ProductEvent>, opts: SendEventsOptions & { ean?: string } = {}) => {
      const helper: typeof import("./events.js") = await loadHelper(VENDOR, "sendProductEvents", () => import("./events.js"));
      helper.assertCommonId("ean", opts.ean, "sendProductEvents");
      return helper.sendEventChunks(events, opts, eventsContext("/product/events", "ean", opts.ean));
    },
    auth: {
      token: () => (tokens ? tokens.token() : noAuthConfigured(VENDOR, FACTORY)),
      get stats() {
        const s = tokens?.stats;
        return { requested: s?.obtained ?? 0, invalidated: s?.invalidated ?? 0 };
      },
    },
  });
}
