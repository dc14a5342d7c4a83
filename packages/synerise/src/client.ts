import {
  assertClientOptions,
  loadHelper,
  noAuthConfigured,
  AuthError,
  createVendorClient,
  type ClientBaseOptions,
  type ClientFilledPaths,
  type InvalidInputIssue,
  type ItemSource,
  type OperationResult,
  type PaginateMethod,
  type VendorClient,
  type VendorRateLimitOptions,
} from "@cdpkit/core";
import type { Client } from "openapi-fetch";
import {
  authIssues,
  authSecrets,
  basicCredential,
  controlCharIssue,
  jwtSource,
  type JwtSource,
  type LoginCall,
  type SyneriseAuth,
} from "./auth.js";
import { syneriseError } from "./errors.js";
import type { SendEventsOptions, SendEventsReport, SyneriseEvent } from "./events.js";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, servers, type ClientFilledParameters, type PaginatedOperations } from "./generated/operations.js";

const VENDOR = "synerise";
const FACTORY = "createSyneriseClient";

/** `https://api.synerise.com`, the spec's first server. */
export const SYNERISE_BASE_URL: string = servers[0];
/** The spec's servers: Azure EU (default), Azure USA, GCP. */
export const SYNERISE_SERVERS = { default: servers[0], azu: servers[1], geb: servers[2] } as const;

export interface SyneriseClientOptions extends ClientBaseOptions {
  /** How the client gets its JWT (see SyneriseAuth). Optional when only tracker-key operations are used. */
  auth?: SyneriseAuth;
  /** The tracker key, sent as the `token` query parameter on operations that accept it and when no JWT is configured. */
  trackerKey?: string;
  /** A token is renewed this long before its `exp`. Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Which Synerise server your workspace lives on: `default` (api.synerise.com, Azure EU), `azu` (Azure USA), `geb` (GCP). */
  server?: keyof typeof SYNERISE_SERVERS;
  /** Any other base URL (a proxy, a mock); overrides `server`. */
  baseUrl?: string;
  /** Client-side limits; Synerise documents none, so none apply unless you give rules by scope. `false` turns them off. */
  rateLimit?: VendorRateLimitOptions | false;
  /** Throw a typed error (with the body's field errors) for non-2xx responses instead of returning `{ error, response }`. */
  throwOnError?: boolean;
}

/** The spec's paths with `Api-Version` optional: the client fills it in from the spec. */
export type SynerisePaths = ClientFilledPaths<paths, ClientFilledParameters>;
/** Every operation typed by path, plus `paginate` over the operations that page (`x-cdpkit-pagination`). */
export type SyneriseApi = Client<SynerisePaths, "application/json"> & PaginateMethod<SynerisePaths, PaginatedOperations>;

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
  if (options?.server !== undefined && !(options.server in SYNERISE_SERVERS))
    issues.push({ path: "server", message: `must be one of ${Object.keys(SYNERISE_SERVERS).join(", ")}` });
  assertClientOptions(VENDOR, FACTORY, options, issues);
}

export function createSyneriseClient(options: SyneriseClientOptions): SyneriseClient {
  validateOptions(options);
  const errorFor = (result: OperationResult, method: string) => syneriseError(result.response, result.error, method, client.redactor);

  // Logins go through the typed client (called once it exists). The workspace selection carries the
  // user's token, not the (not yet existing) workspace token the main client would wait for: it gets
  // a client of its own with that token.
  const login: LoginCall = async (path, { body, params, bearer }) => {
    const api = (bearer ? client.withCredentials({ JWT: bearer }) : client.api) as unknown as {
      POST(path: string, init: Record<string, unknown>): Promise<OperationResult>;
    };
    const result = await api.POST(path, { ...(body ? { body } : {}), ...(params ? { params } : {}) });
    if (result.error !== undefined || !result.response.ok) {
      const error = errorFor(result, "POST");
      // Any failed login is an auth failure for the request that waited on it.
      throw error instanceof AuthError
        ? error
        : new AuthError({
            ...error,
            status: error.status,
            redactor: client.redactor,
            cause: error,
            message: `synerise login failed: ${error.message}`,
          });
    }
    return result.data;
  };
  const auth = options.auth;
  const jwt: JwtSource | undefined =
    auth && auth.type !== "basic"
      ? jwtSource(auth, login, {
          ...(options.refreshBeforeMs !== undefined ? { refreshBeforeMs: options.refreshBeforeMs } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
        })
      : undefined;

  const basic = auth?.type === "basic" ? basicCredential(auth) : undefined;
  const client: VendorClient<SyneriseApi, (typeof operations)[number], paths> = createVendorClient<
    paths,
    SyneriseApi,
    (typeof operations)[number]
  >({ vendor: VENDOR, factory: FACTORY, operations, securitySchemes }, options, {
    baseUrl: options.baseUrl ?? SYNERISE_SERVERS[options.server ?? "default"],
    credentials: { JWT: jwt, WorkspaceBasic: basic, TrackerKey: options.trackerKey },
    optionFor: (scheme) => (scheme === "TrackerKey" ? "trackerKey" : "auth"),
    secrets: () => [...authSecrets(options.auth), basic, options.trackerKey, ...(jwt?.issued() ?? [])],
    rateLimit: options.rateLimit === false || !options.rateLimit?.rules ? false : { ...options.rateLimit, keyPrefix: VENDOR },
    errorFor,
  });

  // A batch whose events all carry an eventSalt is safe to send again (the salt makes it overwrite),
  // whatever the spec says of the operation. The body is the JSON the engine measured: sent as is.
  const post = client.api.POST as unknown as (path: string, init: Record<string, unknown>) => Promise<OperationResult>;
  const postBatch = (body: string, safeToRepeat: boolean, signal?: AbortSignal): Promise<OperationResult> =>
    post("/v4/events/batch", { body, safeToRepeat, ...(signal ? { signal } : {}) });

  return Object.assign(client.api as SyneriseClient, {
    // The events module (and core's batch engine under it) loads at the first send: a bundler leaves it out
    // of the page an app that never sends events loads first (issue 13's bundle target).
    sendEvents: async (events: ItemSource<SyneriseEvent>, sendOptions?: SendEventsOptions) =>
      (await loadHelper(VENDOR, "sendEvents", () => import("./events.js"))).sendEventBatches(events, {
        ...sendOptions,
        post: postBatch,
        redactor: client.redactor,
        ...(options.clock ? { clock: options.clock } : {}),
      }),
    auth: {
      token: () => (jwt ? jwt.token() : noAuthConfigured(VENDOR, FACTORY)),
      get stats() {
        return jwt?.stats ?? { logins: 0, invalidated: 0 };
      },
    },
  });
}
