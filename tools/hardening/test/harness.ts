/**
 * The four clients as the suites drive them: how each is built against a local server, one READ
 * (safe to repeat) and one WRITE operation per vendor, its batch helper, and where each puts its
 * credential. Outcomes are normalised so one table of expectations covers every vendor.
 */
import { inspect } from "node:util";
import { createAltcraftClient } from "@cdpkit/altcraft";
import type { Logger, RetryInfo } from "@cdpkit/core";
import { createDfineryClient } from "@cdpkit/dfinery";
import { createKameleoonClient } from "@cdpkit/kameleoon";
import { createSyneriseClient } from "@cdpkit/synerise";
import type { FaultServer, Recorded, Vendor } from "./fault-server.js";

/** Distinctive credentials: any of these in an error, a result or a log line is a leak. */
export const SECRETS = {
  dfineryImport: "SECRET-dfinery-import-9f8e7d",
  dfineryExport: "SECRET-dfinery-export-6c5b4a",
  syneriseApiKey: "SECRET-synerise-apikey-3e2d1c",
  syneriseTracker: "SECRET-synerise-tracker-0f9e8d",
  /** A ready JWT (auth type "jwt"), for rows that must not depend on a login round trip. */
  syneriseStaticJwt: "eyJhbGciOiJSUzUxMiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.SECRETsyneriseStaticJwt7c6b5a",
  altcraftToken: "SECRET-altcraft-token-4e3d2c",
  kameleoonClientSecret: "SECRET-kameleoon-client-secret-7a6b5c",
} as const;

/** Knobs every client takes in these suites. */
export interface Knobs {
  /** Per attempt; default 400 ms where a hang is tested, else the client default. */
  timeoutMs?: number;
  maxAttempts?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Passed through as the client option of that name (the target API; ignored by clients without it). */
  maxResponseBytes?: number;
  throwOnError?: boolean;
  logger?: Logger;
  /** No login / token round trip before the operation: Synerise uses a ready JWT, Kameleoon no OAuth2. */
  staticAuth?: boolean;
  /** Kameleoon only: where the OAuth2 token comes from (default: the client's base URL + /oauth/token). */
  tokenUrl?: string;
  rateLimit?: false;
  /** What carries the requests (ClientBaseOptions.transport); default the client's own choice (on Node: "node"). */
  transport?: Transport;
}

/** The transports every behaviour must hold on: the Node transport (the default on Node) and fetch. */
export const TRANSPORTS = ["node", "fetch"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** What a call came to, whatever the vendor's shape. */
export type Outcome =
  | { type: "ok"; value: unknown }
  /** No throw, but the result carries an error (throwOnError off or not applied). */
  | { type: "returned-error"; error: unknown; status: number }
  | { type: "thrown"; error: unknown }
  /** A batch helper's report: counts and each failed event's error. */
  | { type: "batch"; total: number; accepted: number; failed: { error: unknown }[]; report: unknown };

export interface Op {
  vendor: Vendor;
  /** e.g. "read POST /api/v1/user-profile". */
  label: string;
  /** The path the server sees (scripts are keyed by it). */
  path: string;
  method: "GET" | "POST";
  /** safe: retried on every transient failure; unsafe: sent once unless nothing was applied; batch: a safe batch helper. */
  kind: "safe" | "unsafe" | "batch";
  /** The documented success carries a JSON body (so an empty 2xx is malformed). */
  jsonSuccess: boolean;
  /** The documented success is a JSON envelope / object shape `{"foo":1}` does not satisfy. */
  envelope: boolean;
  invoke(client: unknown): Promise<Outcome>;
}

export interface Harness {
  vendor: Vendor;
  /** The credentials this client holds (issued tokens are added from the server). */
  secrets: readonly string[];
  makeClient(baseUrl: string, knobs?: Knobs): unknown;
  ops: Op[];
  /** The credential a request to `server` carried, if any, for "kept on same-origin redirects". */
  credentialOf(rec: Recorded): string | undefined;
}

const DEFAULT_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

function retryOf(knobs: Knobs) {
  return { ...DEFAULT_RETRY, maxAttempts: knobs.maxAttempts ?? 3, ...(knobs.onRetry ? { onRetry: knobs.onRetry } : {}) };
}

/** Options shared by the four factories; extra target options pass through an untyped object. */
function common(baseUrl: string, knobs: Knobs): Record<string, unknown> {
  return {
    baseUrl,
    retry: retryOf(knobs),
    // A guard so a defect that blocks a client fails the row in seconds instead of hanging it.
    totalTimeoutMs: 8_000,
    ...(knobs.timeoutMs !== undefined ? { timeoutMs: knobs.timeoutMs } : {}),
    ...(knobs.maxResponseBytes !== undefined ? { maxResponseBytes: knobs.maxResponseBytes } : {}),
    ...(knobs.logger ? { logger: knobs.logger } : {}),
    ...(knobs.rateLimit === false ? { rateLimit: false } : {}),
    ...(knobs.transport ? { transport: knobs.transport } : {}),
    throwOnError: knobs.throwOnError ?? true,
  };
}

async function single(call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Outcome> {
  try {
    const result = await call();
    if (result.error !== undefined || !result.response.ok)
      return { type: "returned-error", error: result.error, status: result.response.status };
    return { type: "ok", value: result.data };
  } catch (error) {
    return { type: "thrown", error };
  }
}

async function batch(total: number, call: () => Promise<{ accepted: number; failed: readonly { error: unknown }[] }>): Promise<Outcome> {
  try {
    const report = await call();
    return { type: "batch", total, accepted: report.accepted, failed: [...report.failed], report };
  } catch (error) {
    return { type: "thrown", error };
  }
}

type DfineryClient = ReturnType<typeof createDfineryClient>;
type SyneriseClient = ReturnType<typeof createSyneriseClient>;
type AltcraftClient = ReturnType<typeof createAltcraftClient>;
type KameleoonClient = ReturnType<typeof createKameleoonClient>;

export const dfinery: Harness = {
  vendor: "dfinery",
  secrets: [SECRETS.dfineryImport, SECRETS.dfineryExport],
  makeClient: (baseUrl, knobs = {}) =>
    createDfineryClient({
      serviceId: "svc-hardening",
      importToken: SECRETS.dfineryImport,
      exportToken: SECRETS.dfineryExport,
      ...common(baseUrl, knobs),
    } as Parameters<typeof createDfineryClient>[0]),
  credentialOf: (rec) => (typeof rec.headers["access_token"] === "string" ? rec.headers["access_token"] : undefined),
  ops: [
    {
      vendor: "dfinery",
      label: "read POST /api/v1/user-profile",
      path: "/api/v1/user-profile",
      method: "POST",
      kind: "safe",
      jsonSuccess: true,
      envelope: true,
      invoke: (client) =>
        single(() =>
          (client as DfineryClient).POST("/api/v1/user-profile", {
            body: {
              identity: { external_id: "dfn-user-1" },
              user_properties: { df_gender: "Female" },
              request_datetime: "2024-05-14T06:05:46.363Z",
            },
          }),
        ),
    },
    {
      vendor: "dfinery",
      label: "write sendEvents (POST /api/v1/events)",
      path: "/api/v1/events",
      method: "POST",
      kind: "batch",
      jsonSuccess: true,
      envelope: true,
      invoke: (client) =>
        batch(3, () =>
          (client as DfineryClient).sendEvents(
            { external_id: "dfn-user-1" },
            [0, 1, 2].map((n) => ({ event_name: "df_page_view", event_properties: { n } })),
          ),
        ),
    },
  ],
};

export const synerise: Harness = {
  vendor: "synerise",
  secrets: [SECRETS.syneriseApiKey, SECRETS.syneriseStaticJwt],
  makeClient: (baseUrl, knobs = {}) =>
    createSyneriseClient({
      auth: knobs.staticAuth ? { type: "jwt", token: SECRETS.syneriseStaticJwt } : { type: "workspace", apiKey: SECRETS.syneriseApiKey },
      ...common(baseUrl, knobs),
    } as Parameters<typeof createSyneriseClient>[0]),
  credentialOf: (rec) => {
    const auth = rec.headers.authorization;
    return typeof auth === "string" ? auth.replace(/^Bearer\s+/i, "") : undefined;
  },
  ops: [
    {
      vendor: "synerise",
      label: "read GET /v4/clients/{clientId}",
      path: "/v4/clients/42",
      method: "GET",
      kind: "safe",
      jsonSuccess: true,
      envelope: false,
      invoke: (client) => single(() => (client as SyneriseClient).GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } })),
    },
    {
      vendor: "synerise",
      // Not idempotent in the spec (operations.ts `idempotent: false`): no eventSalt is required.
      label: "write POST /v4/events/custom",
      path: "/v4/events/custom",
      method: "POST",
      kind: "unsafe",
      jsonSuccess: false,
      envelope: false,
      invoke: (client) =>
        single(() =>
          (client as SyneriseClient).POST("/v4/events/custom", {
            body: { label: "hardening", action: "hardening.check", client: { customId: "c-1" }, params: { n: 1 } },
          }),
        ),
    },
    {
      vendor: "synerise",
      label: "batch sendEvents (POST /v4/events/batch)",
      path: "/v4/events/batch",
      method: "POST",
      kind: "batch",
      jsonSuccess: false,
      envelope: false,
      invoke: (client) =>
        batch(3, () =>
          (client as SyneriseClient).sendEvents(
            [0, 1, 2].map((n) => ({
              label: "page visit",
              type: "custom",
              action: "page.visit",
              client: { customId: `c-${n}` },
              params: { n },
            })),
          ),
        ),
    },
  ],
};

export const altcraft: Harness = {
  vendor: "altcraft",
  secrets: [SECRETS.altcraftToken],
  makeClient: (baseUrl, knobs = {}) =>
    createAltcraftClient({ token: SECRETS.altcraftToken, ...common(baseUrl, knobs) } as Parameters<typeof createAltcraftClient>[0]),
  credentialOf: (rec) => {
    try {
      const token = (JSON.parse(rec.body) as { token?: unknown }).token;
      return typeof token === "string" ? token : undefined;
    } catch {
      return undefined;
    }
  },
  ops: [
    {
      vendor: "altcraft",
      label: "read POST /api/v1.1/profiles/get",
      path: "/api/v1.1/profiles/get",
      method: "POST",
      kind: "safe",
      jsonSuccess: true,
      envelope: true,
      invoke: (client) =>
        single(
          () =>
            (client as AltcraftClient).POST("/api/v1.1/profiles/get", {
              body: { db_id: 1, matching: "email", email: "jane@example.com" },
            }) as Promise<{
              data?: unknown;
              error?: unknown;
              response: Response;
            }>,
        ),
    },
    {
      vendor: "altcraft",
      label: "write POST /api/v1.1/profiles/import",
      path: "/api/v1.1/profiles/import",
      method: "POST",
      kind: "unsafe",
      jsonSuccess: true,
      envelope: true,
      invoke: (client) =>
        single(
          () =>
            (client as AltcraftClient).POST("/api/v1.1/profiles/import", {
              body: { db_id: 1, matching: "email", email: "jane@example.com", data: { _fname: "Jane" } },
            }) as Promise<{ data?: unknown; error?: unknown; response: Response }>,
        ),
    },
  ],
};

export const kameleoon: Harness = {
  vendor: "kameleoon",
  secrets: [SECRETS.kameleoonClientSecret],
  makeClient: (baseUrl, knobs = {}) =>
    createKameleoonClient({
      siteCode: "hardening-site",
      ...(knobs.staticAuth
        ? {}
        : {
            auth: {
              clientId: "hardening-client",
              clientSecret: SECRETS.kameleoonClientSecret,
              tokenUrl: knobs.tokenUrl ?? `${baseUrl}/oauth/token`,
            },
          }),
      ...common(baseUrl, knobs),
    } as Parameters<typeof createKameleoonClient>[0]),
  credentialOf: (rec) => {
    const auth = rec.headers.authorization;
    return typeof auth === "string" ? auth.replace(/^Bearer\s+/i, "") : undefined;
  },
  // Every Kameleoon operation is marked idempotent in specs/kameleoon (events carry a nonce, maps are
  // set, reads only read): there is no non-idempotent write, so the rows cover the read and the
  // events helper only.
  ops: [
    {
      vendor: "kameleoon",
      label: "read GET /visit/visitor",
      path: "/visit/visitor",
      method: "GET",
      kind: "safe",
      jsonSuccess: true,
      envelope: false,
      invoke: (client) =>
        single(
          () =>
            (client as KameleoonClient).GET("/visit/visitor", {
              params: { query: { visitorCode: "visitor-1", maxNumberPreviousVisits: 1 } },
            }) as Promise<{
              data?: unknown;
              error?: unknown;
              response: Response;
            }>,
        ),
    },
    {
      vendor: "kameleoon",
      label: "batch sendVisitEvents (POST /visit/events)",
      path: "/visit/events",
      method: "POST",
      kind: "batch",
      jsonSuccess: false,
      envelope: false,
      invoke: (client) =>
        batch(3, () =>
          (client as KameleoonClient).sendVisitEvents(
            [0, 1, 2].map((n) => ({ eventType: "CONVERSION", visitorCode: `visitor-${n}`, goalId: 100 + n })),
          ),
        ),
    },
  ],
};

export const HARNESSES: readonly Harness[] = [dfinery, synerise, altcraft, kameleoon];

/** A short description of anything thrown, for assertion messages. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `non-error ${inspect(err, { depth: 2 }).slice(0, 300)}`;
  const e = err as Error & { phase?: unknown; status?: unknown; vendorCode?: unknown };
  const chain: string[] = [];
  for (let p = Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    chain.push(p.constructor?.name ?? "?");
  return `${e.name} [${chain.join(" < ")}] status=${String(e.status)} phase=${String(e.phase)} code=${String(e.vendorCode)}: ${e.message.slice(0, 300)}`;
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.type) {
    case "ok":
      return `ok ${inspect(outcome.value, { depth: 2 }).slice(0, 200)}`;
    case "returned-error":
      return `returned error (HTTP ${outcome.status}) ${inspect(outcome.error, { depth: 2 }).slice(0, 200)}`;
    case "thrown":
      return `thrown ${describeError(outcome.error)}`;
    case "batch":
      return `batch ${outcome.accepted}/${outcome.total} accepted; failed: ${outcome.failed
        .slice(0, 1)
        .map((f) => describeError(f.error))
        .join("; ")}`;
  }
}

/** Starts a server for one test and closes it however the test ends. */
export async function withServers<T>(start: () => Promise<FaultServer[]>, body: (servers: FaultServer[]) => Promise<T>): Promise<T> {
  const servers = await start();
  try {
    return await body(servers);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}
