import {
  AuthError,
  InvalidInputError,
  jwtExpiresAt,
  tokenSource,
  type Clock,
  type InvalidInputIssue,
  type IssuedToken,
  type TokenSource,
} from "@cdpkit/core";

/**
 * The ways a Synerise user actually authenticates. Every mode but `jwt` logs in by itself, keeps the
 * JWT, logs in again shortly before the token's `exp` and after a 401 — with one login in flight
 * however many requests wait for it.
 */
export type SyneriseAuth =
  /** A workspace API key (Settings > API Keys): `POST /v4/auth/login/profile {apiKey}`. Server-to-server only. */
  | { readonly type: "workspace"; readonly apiKey: string }
  /**
   * Server-to-server Basic auth with the workspace GUID and a workspace API key (enabled per key in its
   * settings): `Authorization: Basic base64(workspaceGuid:apiKey)` on every call, no login, no expiry.
   */
  | { readonly type: "basic"; readonly workspaceGuid: string; readonly apiKey: string }
  /**
   * A Synerise user (email + password) working in one workspace: `POST /uauth/auth/login/user`, then
   * `POST /uauth/auth/login/user/profile/{workspace}` selects the workspace. Multi-factor login is not
   * supported (its path is not published).
   */
  | {
      readonly type: "user";
      readonly username: string;
      readonly password: string;
      /** UUID of the workspace (business profile) to select. */
      readonly workspace: string;
      readonly deviceId?: string;
    }
  /**
   * A registered profile (client) with the profile API key: `POST /sauth/v3/auth/login/client/conditional`.
   * A login that needs further conditions (e.g. accepting terms) fails with an AuthError listing them.
   */
  | {
      readonly type: "profile";
      readonly apiKey: string;
      readonly identityProvider: "SYNERISE" | "FACEBOOK" | "OAUTH" | "APPLE" | "GOOGLE" | "UNKNOWN";
      readonly email?: string;
      readonly customId?: string;
      readonly password?: string;
      readonly uuid?: string;
      readonly identityProviderToken?: string;
      readonly deviceId?: string;
    }
  /** An anonymous profile: `POST /sauth/v3/auth/login/client/anonymous {apiKey, uuid}`. */
  | { readonly type: "anonymousProfile"; readonly apiKey: string; readonly uuid: string; readonly deviceId?: string }
  /** A JWT you already hold (or a function returning the current one); never refreshed by the client. */
  | { readonly type: "jwt"; readonly token: string | (() => string | Promise<string>) };

export type SyneriseAuthType = SyneriseAuth["type"];

/**
 * A login the auth flow needs sent through the typed client: `POST path` (a path of the spec) with a
 * JSON body, path parameters, and the bearer token of an earlier login where the operation needs one.
 */
export type LoginCall = (
  path: LoginPath,
  request: { body?: Record<string, unknown>; params?: { path: Record<string, string> }; bearer?: string },
) => Promise<unknown>;
export type LoginPath =
  | "/v4/auth/login/profile"
  | "/uauth/auth/login/user"
  | "/uauth/auth/login/user/profile/{businessProfileUUID}"
  | "/sauth/v3/auth/login/client/conditional"
  | "/sauth/v3/auth/login/client/anonymous";

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";
/** CR, LF, NUL: a header cannot carry them, and fetch's TypeError would echo the whole value. */
const CONTROL = /[\r\n\0]/;
/** The auth fields holding a credential; each is checked for CR/LF/NUL (never echoed). */
const CREDENTIAL_KEYS = ["apiKey", "password", "identityProviderToken", "token"] as const;
/** Issued JWTs kept for the redactor: a renewed token's predecessor stays valid (and may be echoed) for minutes. */
export const REMEMBERED_TOKENS = 8;

/** Names every credential option (path given, e.g. "trackerKey") holding CR, LF or NUL. */
export function controlCharIssue(path: string, value: unknown): InvalidInputIssue[] {
  return typeof value === "string" && CONTROL.test(value) ? [{ path, message: "must not contain CR, LF or NUL characters" }] : [];
}

/** Names what is wrong with an auth option; never echoes a value. */
export function authIssues(auth: unknown): InvalidInputIssue[] {
  if (auth === undefined) return [];
  if (typeof auth !== "object" || auth === null) return [{ path: "auth", message: "must be an object with a `type`" }];
  const a = auth as Record<string, unknown>;
  const unsafe = CREDENTIAL_KEYS.flatMap((k) => (nonEmpty(a[k]) ? controlCharIssue(`auth.${k}`, a[k]) : []));
  return [...typeIssues(a), ...unsafe];
}

function typeIssues(a: Record<string, unknown>): InvalidInputIssue[] {
  const need = (...keys: string[]): InvalidInputIssue[] =>
    keys
      .filter((k) => !nonEmpty(a[k]))
      .map((k) => ({ path: `auth.${k}`, message: `is required for auth type "${String(a.type)}" (a non-empty string)` }));
  switch (a.type) {
    case "workspace":
      return need("apiKey");
    case "basic":
      return [
        ...need("workspaceGuid", "apiKey"),
        ...(typeof a.workspaceGuid === "string" && a.workspaceGuid.includes(":")
          ? [{ path: "auth.workspaceGuid", message: "must not contain ':' (it is the user part of Basic auth)" }]
          : []),
      ];
    case "user":
      return need("username", "password", "workspace");
    case "profile": {
      const issues = need("apiKey", "identityProvider");
      if (!["email", "customId", "uuid", "identityProviderToken"].some((k) => nonEmpty(a[k]))) {
        issues.push({ path: "auth", message: 'auth type "profile" needs one of email, customId, uuid or identityProviderToken' });
      }
      return issues;
    }
    case "anonymousProfile":
      return need("apiKey", "uuid");
    case "jwt":
      return typeof a.token === "function" || nonEmpty(a.token)
        ? []
        : [{ path: "auth.token", message: "must be a non-empty string or a function" }];
    default:
      return [
        {
          path: "auth.type",
          message: 'must be one of "workspace", "basic", "user", "profile", "anonymousProfile", "jwt"',
        },
      ];
  }
}

/** The secrets an auth option holds, for the redactor. */
export function authSecrets(auth: SyneriseAuth | undefined): string[] {
  if (!auth) return [];
  const a = auth as unknown as Record<string, unknown>;
  return ["apiKey", "password", "identityProviderToken", "token"].map((k) => a[k]).filter(nonEmpty);
}

function tokenFrom(body: unknown, what: string): IssuedToken {
  const b = body as { token?: unknown; expiration?: unknown } | null;
  if (!b || !nonEmpty(b.token)) {
    throw new AuthError({ vendor: "synerise", status: 200, message: `synerise ${what}: the response carries no token` });
  }
  // The token's own `exp` decides; profile logins also send `expiration` (epoch seconds).
  const expiresAt = jwtExpiresAt(b.token) ?? (typeof b.expiration === "number" ? b.expiration * 1000 : undefined);
  return expiresAt === undefined ? { token: b.token } : { token: b.token, expiresAt };
}

/** The `Authorization: Basic` credential of the basic mode: base64 of `workspaceGuid:apiKey` (UTF-8). */
export function basicCredential(auth: { workspaceGuid: string; apiKey: string }): string {
  const bytes = new TextEncoder().encode(`${auth.workspaceGuid}:${auth.apiKey}`);
  return btoa(String.fromCharCode(...bytes));
}

/** The login of one auth mode, as `TokenCache.obtain`. */
export function loginFor(auth: Exclude<SyneriseAuth, { type: "jwt" | "basic" }>, call: LoginCall): () => Promise<IssuedToken> {
  switch (auth.type) {
    case "workspace":
      return async () => tokenFrom(await call("/v4/auth/login/profile", { body: { apiKey: auth.apiKey } }), "workspace login");
    case "user":
      return async () => {
        const user = tokenFrom(
          await call("/uauth/auth/login/user", {
            body: { username: auth.username, password: auth.password, ...(auth.deviceId ? { deviceId: auth.deviceId } : {}) },
          }),
          "user login",
        );
        const selection = await call("/uauth/auth/login/user/profile/{businessProfileUUID}", {
          params: { path: { businessProfileUUID: auth.workspace } },
          bearer: user.token,
        });
        return tokenFrom(selection, "workspace selection");
      };
    case "profile":
      return async () => {
        const { type: _type, ...body } = auth;
        const result = (await call("/sauth/v3/auth/login/client/conditional", { body })) as { status?: unknown; conditions?: unknown };
        if (result && result.status !== undefined && result.status !== "SUCCESS") {
          const conditions = Array.isArray(result.conditions) ? result.conditions.map(String) : [];
          throw new AuthError({
            vendor: "synerise",
            status: 200,
            vendorCode: String(result.status),
            message: `synerise profile login needs further conditions: ${conditions.join(", ") || "(none listed)"}`,
          });
        }
        return tokenFrom(result, "profile login");
      };
    case "anonymousProfile":
      return async () =>
        tokenFrom(
          await call("/sauth/v3/auth/login/client/anonymous", {
            body: { apiKey: auth.apiKey, uuid: auth.uuid, ...(auth.deviceId ? { deviceId: auth.deviceId } : {}) },
          }),
          "anonymous profile login",
        );
  }
}

/** The JWT of one auth mode as a core TokenSource, with login counters for `client.auth.stats`. */
export interface JwtSource extends TokenSource {
  /** Logins so far (always zero for a ready JWT) and tokens dropped after a 401. */
  readonly stats: { readonly logins: number; readonly invalidated: number };
}

export function jwtSource(
  auth: Exclude<SyneriseAuth, { type: "basic" }>,
  call: LoginCall,
  options: { refreshBeforeMs?: number; clock?: Clock },
): JwtSource {
  if (auth.type === "jwt") {
    const given = auth.token;
    const issued: string[] = [];
    return {
      async token() {
        const value = typeof given === "function" ? await given() : given;
        // A function's token is not seen at creation: refuse one a header cannot carry, unechoed.
        const unsafe = controlCharIssue("auth.token", value);
        if (unsafe.length > 0) throw invalidAuth(unsafe);
        if (issued[issued.length - 1] !== value) issued.push(value);
        if (issued.length > REMEMBERED_TOKENS) issued.shift();
        return value;
      },
      // A JWT the caller holds cannot be renewed by the client: a 401 is returned as is.
      invalidate: () => false,
      issued: () => issued,
      stats: { logins: 0, invalidated: 0 },
    };
  }
  const source = tokenSource({
    obtain: loginFor(auth, call),
    refreshBeforeMs: options.refreshBeforeMs ?? 5 * 60_000,
    remember: REMEMBERED_TOKENS,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    token: (signal) => source.token(signal),
    invalidate: (token) => source.invalidate(token),
    issued: () => source.issued(),
    get stats() {
      const s = source.stats;
      return { logins: s.obtained, invalidated: s.invalidated };
    },
  };
}

export function invalidAuth(issues: InvalidInputIssue[]): InvalidInputError {
  return new InvalidInputError({
    vendor: "synerise",
    message: `createSyneriseClient: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues,
  });
}
