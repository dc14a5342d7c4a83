import createClient, { type Client } from "openapi-fetch";
import {
  checkSuccess,
  sharedPolicyOptions,
  type ClientBaseOptions,
  AuthError,
  bindOperations,
  createOperationFetch,
  createOperationIndex,
  createPolicyFetch,
  idempotentRetry,
  InvalidInputError,
  rateLimitRulesFrom,
  Redactor,
  ReplayableRequest,
  type FetchLike,
  type InvalidInputIssue,
  type ItemSource,
  type OperationMeta,
  type OperationResult,
  type RateLimitRule,
  type RateLimitStore,
  type RetryOptions,
} from "@cdpkit/core";
import { authIssues, authSecrets, controlCharIssue, invalidAuth, jwtSource, type JwtSource, type LoginCall, type SyneriseAuth } from "./auth.js";
import { syneriseError } from "./errors.js";
import { sendEventBatches, type SendEventsOptions, type SendEventsReport, type SyneriseEvent } from "./events.js";
import type { paths } from "./generated/openapi.js";
import { operations as generated, securitySchemes, servers } from "./generated/operations.js";

const VENDOR = "synerise";
const operations: readonly OperationMeta[] = generated;

/** `https://api.synerise.com`, the spec's server. */
export const SYNERISE_BASE_URL: string = servers[0];

export interface SyneriseClientOptions extends ClientBaseOptions {
  /** How the client gets its JWT (see SyneriseAuth). Optional when only tracker-key operations are used. */
  auth?: SyneriseAuth;
  /** The tracker key, sent as the `token` query parameter on operations that accept it and when no JWT is configured. */
  trackerKey?: string;
  /** A token is renewed this long before its `exp`. Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Default `https://api.synerise.com`. */
  baseUrl?: string;
  /** Retries of requests safe to repeat (GET, PUT, DELETE, logins, event batches whose events all carry an `eventSalt`). `false` turns them off. */
  retry?: RetryOptions | false;
  /** Client-side limits; Synerise documents none, so none apply unless you give rules by scope. `false` turns them off. */
  rateLimit?: { rules?: Record<string, RateLimitRule>; store?: RateLimitStore; maxWaitMs?: number } | false;
  /** Throw a typed error (with the body's field errors) for non-2xx responses instead of returning `{ error, response }`. */
  throwOnError?: boolean;
}

/** Makes `Api-Version` optional in every operation's headers: the client fills it in from the spec. */
type WithOptionalApiVersion<P> = {
  [Path in keyof P]: {
    [M in keyof P[Path]]: P[Path][M] extends { parameters: { header: infer H } }
      ? "Api-Version" extends keyof H
        ? Omit<P[Path][M], "parameters"> & {
            parameters: Omit<P[Path][M]["parameters"], "header"> & {
              header?: Omit<H, "Api-Version"> & { "Api-Version"?: H["Api-Version"] };
            };
          }
        : P[Path][M]
      : P[Path][M];
  };
};

export type SynerisePaths = WithOptionalApiVersion<paths>;
export type SyneriseApi = Client<SynerisePaths, "application/json">;

export interface SyneriseClient extends SyneriseApi {
  /**
   * Sends any number of events through `POST /v4/events/batch`: chunks of at most 1000 events and
   * 1 MB, one identifier type per chunk, an `eventSalt` on every event so a retried chunk cannot
   * double-count. Every event ends accepted or failed with its chunk's error; nothing is dropped.
   */
  sendEvents(events: ItemSource<SyneriseEvent>, options?: SendEventsOptions): Promise<SendEventsReport>;
  /** The JWT the next request would carry (logging in if needed), and login counters. */
  readonly auth: {
    token(): Promise<string>;
    readonly stats: { readonly logins: number; readonly invalidated: number };
  };
}

function validateOptions(options: SyneriseClientOptions): void {
  const issues: InvalidInputIssue[] = [...authIssues(options?.auth)];
  if (options?.trackerKey !== undefined && (typeof options.trackerKey !== "string" || options.trackerKey.trim() === "")) {
    issues.push({ path: "trackerKey", message: "must be a non-empty string when given" });
  } else {
    issues.push(...controlCharIssue("trackerKey", options?.trackerKey));
  }
  if (options?.auth === undefined && options?.trackerKey === undefined) {
    issues.push({ path: "auth", message: "give auth (workspace API key, user, profile or a JWT), trackerKey, or both" });
  }
  if (options?.baseUrl !== undefined && !URL.canParse(options.baseUrl)) {
    issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  }
  if (issues.length > 0) throw invalidAuth(issues);
}

const bearerOf = (request: Request): string | undefined =>
  request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") || undefined;

export function createSyneriseClient(options: SyneriseClientOptions): SyneriseClient {
  validateOptions(options);
  const baseUrl = (options.baseUrl ?? SYNERISE_BASE_URL).replace(/\/+$/, "");
  const index = createOperationIndex(operations, baseUrl);
  let jwt: JwtSource | undefined;
  const redactor = new Redactor({
    secrets: () => [...authSecrets(options.auth), options.trackerKey, ...(jwt?.issued ?? [])].filter((s): s is string => !!s),
  });
  // Requests the events helper marked as safe to repeat (every event carries an eventSalt).
  const replaySafe = new WeakSet<Request>();

  const policyFetch = createPolicyFetch({
    vendor: VENDOR,
    redactor,
    ...sharedPolicyOptions(options),
    operationFor: (request) => index.findRequest(request),
    retry: idempotentRetry(index, options.retry, options.clock, (request) => replaySafe.has(request)),
    rateLimit:
      options.rateLimit === false || !options.rateLimit?.rules
        ? false
        : {
            rules: rateLimitRulesFrom(operations, options.rateLimit.rules),
            scopeFor: (request) => index.findRequest(request)?.rateLimit?.scope,
            keyPrefix: VENDOR,
            store: options.rateLimit.store,
            maxWaitMs: options.rateLimit.maxWaitMs,
            clock: options.clock,
          },
  });
  const send: FetchLike = policyFetch;

  // Logins go through their own transport: the user flow's workspace selection carries the user's
  // token, not the (not yet existing) workspace token the main transport would wait for.
  let loginBearer: string | undefined;
  const loginTransport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes: securitySchemes,
    // Read per request: the workspace selection carries the user's token, the logins none.
    credentials: {
      get JWT() {
        return loginBearer;
      },
    },
    fetch: send,
  });
  const login: LoginCall = async (path, body, bearer) => {
    loginBearer = bearer;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method: "POST", headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await loginTransport.fetch(new ReplayableRequest(`${baseUrl}${path}`, init));
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const error = syneriseError(response, parsed, "POST", redactor);
      // Any failed login is an auth failure for the request that waited on it.
      throw error instanceof AuthError ? error : new AuthError({ ...error, status: error.status, redactor, cause: error, message: `synerise login failed: ${error.message}` });
    }
    return parsed;
  };
  if (options.auth) {
    jwt = jwtSource(options.auth, login, {
      ...(options.refreshBeforeMs !== undefined ? { refreshBeforeMs: options.refreshBeforeMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  const source = jwt;

  const transport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes: securitySchemes,
    credentials: {
      JWT: source ? (signal) => source.token(signal) : undefined,
      TrackerKey: options.trackerKey,
    },
    optionFor: (scheme) => (scheme === "JWT" ? "auth" : "trackerKey"),
    fetch: send,
    // A 401 on a JWT request: drop that token (only if still current), log in again, replay once.
    onUnauthorized: ({ request }) => {
      const used = bearerOf(request);
      return source !== undefined && used !== undefined && source.invalidate(used);
    },
  });

  const base = createClient<paths>({ baseUrl, fetch: transport.fetch, Request: ReplayableRequest });
  const finish = async (call: () => Promise<OperationResult>, method: string): Promise<OperationResult> => {
    const result = await call();
    if (options.throwOnError && (result.error !== undefined || !result.response.ok)) {
      throw syneriseError(result.response, result.error, method, redactor);
    }
    return result;
  };
  const api = bindOperations(base, {
    vendor: VENDOR,
    factory: "createSyneriseClient",
    fetchFor: transport.fetchFor,
    operationFor: transport.operationFor,
    redactor,
    finish,
  }) as unknown as SyneriseApi;

  const batchFetch = transport.fetchFor("POST", "/v4/events/batch");
  const batchOp = transport.operationFor("POST", "/v4/events/batch");
  const postBatch = async (body: string, safe: boolean, signal?: AbortSignal): Promise<OperationResult> => {
    if (!batchFetch) throw new InvalidInputError({ vendor: VENDOR, message: "the spec has no POST /v4/events/batch", issues: [] });
    // The raw client, so this one request can be marked safe to repeat; the success check is the bound client's.
    const call = () =>
      base.POST("/v4/events/batch" as never, {
        body,
        // The engine hands over the JSON it measured: sent as is, not serialised again.
        bodySerializer: (text: string) => text,
        redirect: "manual",
        ...(signal ? { signal } : {}),
        fetch: (request: Request) => {
          if (safe) replaySafe.add(request);
          return batchFetch(request);
        },
      } as never) as Promise<OperationResult>;
    return checkSuccess(call, { op: batchOp, method: "POST", path: "/v4/events/batch", vendor: VENDOR, redactor });
  };

  const client = api as SyneriseClient;
  Object.assign(client, {
    sendEvents: (events: ItemSource<SyneriseEvent>, sendOptions?: SendEventsOptions) =>
      sendEventBatches(events, { ...sendOptions, post: postBatch, redactor, ...(options.clock ? { clock: options.clock } : {}) }),
    auth: {
      token: () => {
        if (!source) return Promise.reject(new InvalidInputError({ vendor: VENDOR, message: "createSyneriseClient: no auth configured", issues: [{ path: "auth", message: "missing" }] }));
        return source.token();
      },
      get stats() {
        return source?.stats ?? { logins: 0, invalidated: 0 };
      },
    },
  });
  return client;
}


