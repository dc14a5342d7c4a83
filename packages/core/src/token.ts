import { systemClock, type Clock } from "./clock.js";
import type { TokenSource } from "./auth.js";
import { ReplayableRequest } from "./call.js";
import { onAbort } from "./abort.js";

/**
 * Short-lived access tokens (a JWT from a login, an OAuth2 access token): cached until shortly
 * before they expire, obtained again when they are dropped, and never requested twice at once —
 * however many requests wait, one login is in flight and they all get its token.
 */

/** A token as an issuer handed it out. */
export interface IssuedToken {
  readonly token: string;
  /** Epoch milliseconds after which the issuer no longer accepts it. Unknown: valid until dropped. */
  readonly expiresAt?: number;
}

export interface TokenCacheOptions {
  /** Gets a new token from scratch (a login, a client-credentials request). */
  readonly obtain: (signal?: AbortSignal) => Promise<IssuedToken>;
  /**
   * Prolongs a token that is still valid (e.g. a refresh endpoint), used instead of `obtain` when the
   * cached token is inside `refreshBeforeMs` of expiring. A failed refresh falls back to `obtain`.
   */
  readonly refresh?: (current: IssuedToken, signal?: AbortSignal) => Promise<IssuedToken>;
  /** How long before `expiresAt` a token counts as due. Default 60 s. */
  readonly refreshBeforeMs?: number;
  readonly clock?: Clock;
}

export interface TokenCacheStats {
  /** Calls of `obtain` that resolved. */
  readonly obtained: number;
  /** Calls of `refresh` that resolved. */
  readonly refreshed: number;
  /** Tokens dropped by `invalidate` (e.g. after a 401). */
  readonly invalidated: number;
}

export class TokenCache {
  readonly #options: TokenCacheOptions;
  readonly #clock: Clock;
  readonly #refreshBeforeMs: number;
  #current: IssuedToken | undefined;
  #pending: Promise<IssuedToken> | undefined;
  #stats = { obtained: 0, refreshed: 0, invalidated: 0 };

  constructor(options: TokenCacheOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  }

  get stats(): TokenCacheStats {
    return { ...this.#stats };
  }

  /**
   * The cached token if it is not due, else the result of the one login or refresh in flight.
   * `signal`: this caller stops waiting at once when it aborts (with its reason); the login goes
   * on for the others waiting on it.
   */
  async get(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (current && !this.#isDue(current)) return current.token;
    const pending = this.#renew(current);
    return (await untilAborted(pending, signal)).token;
  }

  /**
   * Drops the cached token so the next `get` obtains a new one. With `token`, only if that is still
   * the cached one: a request that failed with an old token must not drop the token that replaced it.
   */
  invalidate(token?: string): void {
    if (!this.#current) return;
    if (token !== undefined && this.#current.token !== token) return;
    this.#current = undefined;
    this.#stats.invalidated++;
  }

  #isDue(token: IssuedToken): boolean {
    return token.expiresAt !== undefined && this.#clock.now() >= token.expiresAt - this.#refreshBeforeMs;
  }

  #renew(current: IssuedToken | undefined): Promise<IssuedToken> {
    this.#pending ??= this.#fetchToken(current).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetchToken(current: IssuedToken | undefined): Promise<IssuedToken> {
    const { refresh, obtain } = this.#options;
    let next: IssuedToken | undefined;
    // A refresh only helps while the token is still accepted.
    if (refresh && current && current.expiresAt !== undefined && this.#clock.now() < current.expiresAt) {
      try {
        next = checkIssued(await refresh(current), "refresh");
        this.#stats.refreshed++;
      } catch {
        next = undefined;
      }
    }
    if (!next) {
      next = checkIssued(await obtain(), "obtain");
      this.#stats.obtained++;
    }
    this.#current = next;
    return next;
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (the work goes on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stopWatching = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        stopWatching();
        resolve(value);
      },
      (err: unknown) => {
        stopWatching();
        reject(err);
      },
    );
  });
}

function checkIssued(value: IssuedToken, from: string): IssuedToken {
  if (!value || typeof value.token !== "string" || value.token === "") {
    throw new TypeError(`TokenCache: ${from} returned no token`);
  }
  return value;
}

/**
 * The expiry of a JWT from its `exp` claim (seconds since the epoch), in epoch milliseconds, or
 * undefined when the token is not a JWT or carries no numeric `exp`. The signature is not checked:
 * this only schedules a refresh, the issuer still decides.
 */
export function jwtExpiresAt(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(decodeBase64Url(parts[1]));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** base64url -> UTF-8 text without Buffer, so the package runs in browsers and edge runtimes. */
function decodeBase64Url(text: string): string {
  const base64 = text
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

export interface TokenSourceOptions extends TokenCacheOptions {
  /** How many issued tokens stay registered for redaction. Default 8. */
  readonly remember?: number;
}

/** A TokenSource over a TokenCache: cached, renewed before expiry, single-flight, 401-invalidated. */
export interface CachedTokenSource extends TokenSource {
  readonly stats: TokenCacheStats;
}

/**
 * The token source of a login or OAuth flow: `obtain` runs once however many requests wait, the token
 * is renewed `refreshBeforeMs` before it expires, a 401 drops exactly the token that failed, and the
 * last few tokens issued stay known to the redactor (a predecessor is still valid for a while).
 */
export function tokenSource(options: TokenSourceOptions): CachedTokenSource {
  const remember = options.remember ?? 8;
  const issued: string[] = [];
  const cache = new TokenCache(options);
  return {
    async token(signal) {
      const token = await cache.get(signal);
      if (issued[issued.length - 1] !== token) {
        issued.push(token);
        if (issued.length > remember) issued.shift();
      }
      return token;
    },
    invalidate(token) {
      cache.invalidate(token);
      return true;
    },
    issued: () => issued,
    get stats() {
      return cache.stats;
    },
  };
}

export interface ClientCredentialsOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The policy fetch the token request goes through (timeouts, retries, redirects, caps). */
  readonly send: (request: Request) => Promise<Response>;
  /** Makes the error of a failed token request (an AuthError with the vendor's redactor). */
  readonly fail: (response: Response, body: unknown) => Error;
  readonly refreshBeforeMs?: number;
  readonly clock?: Clock;
}

/**
 * OAuth2 client credentials (RFC 6749 4.4) as a token source: the form-encoded token request, the
 * token cached until `expires_in` minus `refreshBeforeMs`, one request in flight, a 401 drops it.
 */
export function clientCredentials(options: ClientCredentialsOptions): CachedTokenSource {
  const clock = options.clock ?? systemClock;
  return tokenSource({
    refreshBeforeMs: options.refreshBeforeMs ?? 60_000,
    clock,
    obtain: async () => {
      const body = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: options.clientId,
        client_secret: options.clientSecret,
      });
      const response = await options.send(
        new ReplayableRequest(options.tokenUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body,
        }),
      );
      const text = await response.text();
      let parsed: { access_token?: unknown; expires_in?: unknown } | undefined;
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (!response.ok || typeof parsed?.access_token !== "string" || parsed.access_token === "")
        throw options.fail(response, parsed ?? text);
      const token = parsed.access_token;
      return typeof parsed.expires_in === "number" ? { token, expiresAt: clock.now() + parsed.expires_in * 1000 } : { token };
    },
  });
}
