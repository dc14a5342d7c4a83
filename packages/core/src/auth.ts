import { hasBody, ReplayableRequest, replayableBodyOf } from "./call.js";
import { InvalidInputError } from "./errors.js";

/**
 * Auth strategies driven by the spec: each operation names the security schemes it accepts, each
 * scheme says where its credential goes (header, query, cookie, bearer). A credential is a value, a
 * function, or a TokenSource (a login or OAuth flow): core records which token it applied, so after a
 * 401 exactly that token is dropped and the request is replayed once with a fresh one.
 */
export type Credential = string | ((signal?: AbortSignal) => string | Promise<string>) | TokenSource;

/** Short-lived tokens obtained by the client (see `tokenSource` in token.ts). */
export interface TokenSource {
  /** The token for the next request (one login in flight however many wait; `signal` ends this caller's wait). */
  token(signal?: AbortSignal): Promise<string>;
  /** `token` was refused with a 401: drop it if still current. True when a fresh one can be obtained. */
  invalidate(token: string): boolean;
  /** Tokens handed out recently (the redactor scrubs them: an old one may still appear in a late error). */
  issued(): readonly string[];
}

export function isTokenSource(credential: unknown): credential is TokenSource {
  return typeof credential === "object" && credential !== null && typeof (credential as TokenSource).token === "function";
}

/** A credential as it was put on a request: the token and, when it came from one, its source. */
export interface AppliedCredential {
  readonly scheme: string;
  readonly value: string;
  readonly source?: TokenSource;
}

export interface SecuritySchemeMeta {
  readonly type: string;
  readonly in?: string;
  readonly name?: string;
  readonly scheme?: string;
}

export interface ApplySecurityOptions {
  readonly security: readonly (readonly string[])[];
  readonly schemes: Readonly<Record<string, SecuritySchemeMeta>>;
  readonly credentials: Readonly<Partial<Record<string, Credential | undefined>>>;
  /** Names the operation in the error when no configured credential fits, e.g. "POST /api/v1/events". */
  readonly operation: string;
  /** Maps a scheme name to the client option a user sets, for the error message. */
  readonly optionFor?: (scheme: string) => string;
}

async function resolveCredential(credential: Credential, signal: AbortSignal): Promise<string> {
  if (isTokenSource(credential)) return credential.token(signal);
  return typeof credential === "function" ? credential(signal) : credential;
}

/** Characters no header value may hold: `Headers.set` would throw a TypeError that echoes the value. */
const FORBIDDEN = /[\r\n\0]/;

/**
 * The issue with a credential given to a client, or undefined when it is usable: a non-empty
 * string without CR, LF or NUL. Never echoes the value.
 */
export function credentialIssue(path: string, value: unknown): { path: string; message: string } | undefined {
  if (typeof value !== "string" || value.trim() === "") return { path, message: "must be a non-empty string" };
  if (FORBIDDEN.test(value)) return { path, message: "contains a line break or NUL character, which no HTTP header or URL can carry" };
  return undefined;
}

/**
 * Sets the credentials of the first security alternative that is fully configured. Headers are set
 * in place; a query credential needs a new URL and so returns a new Request.
 */
export async function applySecurity(request: Request, options: ApplySecurityOptions, applied: AppliedCredential[] = []): Promise<Request> {
  if (options.security.length === 0) return request;
  const alternative = options.security.find((names) =>
    names.every((name) => options.credentials[name] !== undefined && options.credentials[name] !== ""),
  );
  if (!alternative) {
    const wanted = options.security.map((names) => names.map((n) => options.optionFor?.(n) ?? n).join(" + "));
    throw new InvalidInputError({
      message: `${options.operation} needs ${wanted.join(" or ")}, which the client was not given`,
      issues: wanted.map((w) => ({ path: w, message: "missing credential" })),
    });
  }
  let result = request;
  for (const name of alternative) {
    const scheme = options.schemes[name];
    const value = await resolveCredential(options.credentials[name] as Credential, request.signal);
    if (!scheme) throw new InvalidInputError({ message: `unknown security scheme "${name}"`, issues: [] });
    // A token from a login or a callback is checked like one given up front, without echoing it.
    const issue = credentialIssue(options.optionFor?.(name) ?? name, value);
    if (issue)
      throw new InvalidInputError({ message: `${options.operation}: the credential ${issue.path} ${issue.message}`, issues: [issue] });
    const credential = options.credentials[name];
    applied.push(isTokenSource(credential) ? { scheme: name, value, source: credential } : { scheme: name, value });
    if (scheme.type === "http" && scheme.scheme?.toLowerCase() === "basic") {
      result.headers.set("Authorization", `Basic ${value}`);
    } else if (scheme.type === "http" || scheme.type === "oauth2" || scheme.type === "openIdConnect") {
      result.headers.set("Authorization", `Bearer ${value}`);
    } else if (scheme.type === "apiKey" && scheme.name) {
      if (scheme.in === "header") result.headers.set(scheme.name, value);
      else if (scheme.in === "cookie") result.headers.append("Cookie", `${scheme.name}=${encodeURIComponent(value)}`);
      else if (scheme.in === "query") {
        const url = new URL(result.url);
        url.searchParams.set(scheme.name, value);
        // `new Request(url, request)` would turn the body into a stream (chunked, no length): keep it as bytes.
        const body = replayableBodyOf(result) ?? (hasBody(result) ? await result.arrayBuffer() : undefined);
        result = new ReplayableRequest(url, {
          method: result.method,
          headers: result.headers,
          body,
          signal: result.signal,
          redirect: result.redirect,
        });
      }
    }
  }
  return result;
}
