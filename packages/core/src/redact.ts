/**
 * Secret scrubbing for everything that leaves the library as text: error messages, error
 * JSON, log lines. Two complementary nets:
 *  - by NAME: values under sensitive keys (headers, query params, JSON body fields);
 *  - by VALUE: the actual secrets the client holds, wherever they appear (a token pasted into
 *    a path, echoed back by a server in an error body, ...).
 * Secrets are kept in a private field so that inspecting a Redactor never prints them.
 */

export const REDACTED = "[REDACTED]";

/** Shortest value scrubbed by value (see #secretValues). */
const MIN_SECRET_CHARS = 4;

/** Longest quoted JSON value the name-based net matches as one string (see redactText). */
const MAX_VALUE = 8192;

export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "access_token",
  "token",
  "api_key",
  "apikey",
  "x-api-key",
  "password",
  "secret",
  "client_secret",
  "refresh_token",
  "cookie",
  "set-cookie",
];

export interface RedactorOptions {
  /** Secret values to scrub wherever they appear. A function is re-read on every call so
   * refreshed tokens are covered without rebuilding the redactor. */
  secrets?: Iterable<string> | (() => Iterable<string>);
  /** Replaces the default list of sensitive key names (compared case-insensitively,
   * ignoring `-` and `_`, so `accessToken`, `access-token` and `ACCESS_TOKEN` all match). */
  sensitiveKeys?: string[];
}

/** `accessToken`, `access-token`, `ACCESS_TOKEN` -> `accesstoken`. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class Redactor {
  readonly #secrets: Iterable<string> | (() => Iterable<string>) | undefined;
  readonly #keys: ReadonlySet<string>;
  readonly #patterns: { json: RegExp; query: RegExp; header: RegExp } | undefined;

  constructor(options: RedactorOptions = {}) {
    this.#secrets = options.secrets;
    const keys = options.sensitiveKeys ?? DEFAULT_SENSITIVE_KEYS;
    this.#keys = new Set(keys.map(normalizeKey));
    // Matches the spellings of the sensitive names in free text (`access_token`,
    // `access-token`, `accessToken`, any case).
    const keyPattern = [...keys]
      .sort((a, b) => b.length - a.length)
      .map((k) => k.split(/[-_]/).map(escapeRegExp).join("[-_]?"))
      .join("|");
    this.#patterns = keyPattern
      ? {
          json: new RegExp(`("(?:${keyPattern})"[ \\t]*:[ \\t]*)("(?:[^"\\\\\\n]|\\\\.){0,${MAX_VALUE}}"|[^,}\\]\\s]+)`, "gi"),
          query: new RegExp(`(^|[?&;\\s"'(,])((?:${keyPattern})=)([^&#\\s"',;)]+)`, "gi"),
          header: new RegExp(`(^|\\n)([ \\t]*(?:${keyPattern})[ \\t]*:[ \\t]*)(?!"|\\[REDACTED\\])([^\\n]+)`, "gi"),
        }
      : undefined;
  }

  /** True when values under this header / query / JSON key must never be shown. */
  isSensitiveKey(key: string): boolean {
    return this.#keys.has(normalizeKey(key));
  }

  /** The secret values plus the forms they take inside URLs, longest first. */
  #secretValues(): string[] {
    const source = typeof this.#secrets === "function" ? this.#secrets() : this.#secrets;
    if (!source) return [];
    const values = new Set<string>();
    for (const secret of source) {
      // A secret of a few characters cannot be scrubbed by value without mangling every text it
      // occurs in (a token "t" would replace every t); real credentials are far longer, and the
      // name-based net still covers short values under sensitive keys.
      if (typeof secret !== "string" || secret.length < MIN_SECRET_CHARS) continue;
      values.add(secret);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) values.add(encoded);
    }
    return [...values].sort((a, b) => b.length - a.length);
  }

  #scrubSecrets(text: string): string {
    let out = text;
    for (const secret of this.#secretValues()) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /**
   * Replaces known secret values, `Bearer <x>` / `Basic <x>` credentials, and values of
   * sensitive names written as `name=value` (query strings, form bodies), `"name": "value"`
   * (JSON text) or `name: value` (header dumps).
   * Linear in the text: every pattern is anchored on a literal (a scheme word, a sensitive
   * name) and no quantifier can overlap another over the same characters, so a hostile body
   * (100,000 newlines, an unterminated JSON string) costs one pass, not one pass per line.
   */
  redactText(text: string): string {
    if (typeof text !== "string" || text.length === 0) return text;
    let out = this.#scrubSecrets(text);
    // Auth schemes are matched in their usual spellings only, so prose like "token is" survives.
    out = out.replace(/\b(Bearer|bearer|BEARER|Basic|basic|BASIC|Token)[ \t]+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`);
    const patterns = this.#patterns;
    if (patterns) {
      // JSON: "token": "abc" / "token":123. A string value is matched up to MAX_VALUE characters so an
      // unterminated one cannot make every occurrence scan to the end of the text; a longer value is
      // still cut off by the unquoted branch, which stops at the first delimiter.
      out = out.replace(patterns.json, `$1"${REDACTED}"`);
      // query / form: token=abc
      out = out.replace(patterns.query, (m, pre: string, name: string, value: string) =>
        value === REDACTED ? m : `${pre}${name}${REDACTED}`,
      );
      // header dump: "authorization: xyz" at the start of a line. Horizontal blanks only: `\s*`
      // would also eat the newlines of the next lines and make this quadratic.
      out = out.replace(patterns.header, `$1$2${REDACTED}`);
    }
    return out;
  }

  /**
   * Keeps the URL readable (host, path, harmless params) while hiding sensitive query values,
   * user-info credentials and secret values. Works on the raw string so `[REDACTED]` is not
   * percent-encoded into noise.
   */
  redactUrl(url: string): string {
    if (typeof url !== "string" || url.length === 0) return url;
    let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#\s]+@/i, `$1${REDACTED}@`);
    const hashAt = out.indexOf("#");
    const hash = hashAt >= 0 ? out.slice(hashAt) : "";
    const beforeHash = hashAt >= 0 ? out.slice(0, hashAt) : out;
    const queryAt = beforeHash.indexOf("?");
    if (queryAt >= 0) {
      const query = beforeHash
        .slice(queryAt + 1)
        .split("&")
        .map((pair) => {
          const eq = pair.indexOf("=");
          const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
          let name = rawName;
          try {
            name = decodeURIComponent(rawName.replace(/\+/g, " "));
          } catch {
            // keep the raw name: a malformed escape must not hide a sensitive key
          }
          // `filter[token]` style names count as sensitive too
          const bare = name.replace(/\[\]$/, "").replace(/^.*\[([^\]]*)\]$/, "$1");
          return eq >= 0 && (this.isSensitiveKey(name) || this.isSensitiveKey(bare)) ? `${rawName}=${REDACTED}` : pair;
        })
        .join("&");
      out = `${beforeHash.slice(0, queryAt)}?${query}${hash}`;
    }
    return this.#scrubSecrets(out);
  }

  /** A plain record with sensitive header values replaced; other values text-scrubbed. */
  redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    const entries: Iterable<[string, string]> = headers instanceof Headers ? headers.entries() : Object.entries(headers);
    for (const [name, value] of entries) {
      out[name] = this.isSensitiveKey(name) ? REDACTED : this.redactText(String(value));
    }
    return out;
  }

  /**
   * Deep copy with sensitive keys and secret values scrubbed. Strings are scrubbed as text
   * (so a JSON body kept as a string is covered too); cycles are preserved, not followed.
   */
  redactValue<T>(value: T): T {
    return this.#redact(value, new WeakMap()) as T;
  }

  #redact(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === "string") return this.redactText(value);
    if (value === null || typeof value !== "object") return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (value instanceof Headers) return this.redactHeaders(value);
    if (value instanceof URL) return this.redactUrl(value.href);
    if (value instanceof URLSearchParams) return this.redactUrl(`?${value.toString()}`).slice(1);
    if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#redact(item, seen));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(value, out);
      for (const [k, v] of value) {
        out.set(k, typeof k === "string" && this.isSensitiveKey(k) ? REDACTED : this.#redact(v, seen));
      }
      return out;
    }
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: this.redactText(value.message) };
      seen.set(value, out);
      for (const [k, v] of Object.entries(value)) {
        out[k] = this.isSensitiveKey(k) ? REDACTED : this.#redact(v, seen);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) {
      out[k] = this.isSensitiveKey(k) ? REDACTED : this.#redact(v, seen);
    }
    return out;
  }
}

/** Shared instance for callers that pass no redactor: scrubs by key name only. */
export const defaultRedactor: Redactor = new Redactor();
