import { AbortedError, CdpkitError, InvalidInputError, jsonIssues, toNetworkError, untilAborted, utf8Bytes, type InvalidInputIssue, type OperationResult, type Redactor } from "@cdpkit/core";
import type { components } from "./generated/openapi.js";

/** A visit event: `eventType` plus its parameters (`goalId`, `revenue`, `index`, `href`, ...). */
export type VisitEvent = Omit<components["schemas"]["VisitEvent"], "nonce"> & { nonce?: string };
/** A product event: PRODUCTPAGE (with attributes such as `name`), PRODUCTADDTOCART or PRODUCTBUY. */
export type ProductEvent = Omit<components["schemas"]["ProductEvent"], "nonce"> & { nonce?: string };

/** The smallest body limit the docs versions give ("10 MB", "3 MB", "1 MB"): 1 MB read as 10^6 bytes. */
export const MAX_EVENTS_BODY_BYTES = 1_000_000;
const NONCE = /^[0-9A-Fa-f]{16}$/;

/** A fresh 16-hex-character nonce, as each event needs one ("nonce (required, 16 hex chars, unique per event)"). */
export function newNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}


/**
 * One event as a line of the line format: a URL query string, `eventType` first and `nonce` last;
 * objects and arrays (e.g. `valuesCountMap`) are sent as JSON, every value URL-encoded.
 */
export function encodeEventLine(event: Record<string, unknown>): string {
  const params = new URLSearchParams();
  const keys = Object.keys(event).filter((k) => event[k] !== undefined && event[k] !== null);
  const ordered = ["eventType", ...keys.filter((k) => k !== "eventType" && k !== "nonce"), "nonce"].filter((k) => keys.includes(k));
  for (const key of ordered) {
    const value = event[key];
    params.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return params.toString();
}

export interface SendEventsOptions {
  /** `"lines"` (default): the line format; `"json"`: a JSON array (`json=true`). */
  format?: "lines" | "json";
  /** Lower than the 1 MB default, e.g. for tests; never above it. */
  maxBodyBytes?: number;
  /**
   * Stops the helper: no chunk starts after the abort, the one in flight is given up, and every event
   * not confirmed sent is reported failed with an AbortedError whose `cause` is the signal's reason.
   */
  signal?: AbortSignal;
}

export interface EventsChunkResult {
  index: number;
  /** Positions of its events in the array given. */
  positions: number[];
  bytes: number;
  /** "split": answered 413 (body too large), its events were sent again in two halves (later chunks). */
  status: "accepted" | "failed" | "split";
  httpStatus?: number;
  error?: CdpkitError;
}

export interface SendEventsReport<E> {
  ok: boolean;
  /** The events as sent (nonce filled in), by position. */
  accepted: { position: number; event: E }[];
  /** Every event not accepted, with the reason; invalid ones are never sent. Nothing is dropped. */
  failed: { position: number; event: E; error: CdpkitError }[];
  chunks: EventsChunkResult[];
}

export interface SendEventsContext {
  /** What identifies each event when no common value is given: "visitorCode" (or mappingValue) / "ean". */
  idField: "visitorCode" | "ean";
  /** A common identifier sent as a query parameter: events then need not carry one. */
  common?: string;
  /** Sends one body; `signal` is the caller's (a transport that takes it cancels the request). */
  send: (body: string, format: "lines" | "json", signal?: AbortSignal) => Promise<OperationResult>;
  errorFor: (result: OperationResult) => CdpkitError;
  redactor: Redactor;
}

function problems(event: Record<string, unknown>, ctx: SendEventsContext): string[] {
  const out: string[] = [];
  if (typeof event.eventType !== "string" || event.eventType === "") out.push("eventType must be a non-empty string");
  if (event.nonce !== undefined && (typeof event.nonce !== "string" || !NONCE.test(event.nonce))) out.push("nonce must be 16 hex characters");
  const id = event[ctx.idField] ?? (ctx.idField === "visitorCode" ? event.mappingValue : undefined);
  if (ctx.common === undefined && (typeof id !== "string" || id === "")) {
    out.push(`${ctx.idField} is required (per event, or once for all events)`);
  }
  if (typeof id === "string" && id.length > 100) out.push(`${ctx.idField} must be at most 100 characters`);
  return out;
}

export async function sendEventChunks<E extends { nonce?: string }>(events: readonly E[], options: SendEventsOptions, ctx: SendEventsContext): Promise<SendEventsReport<E>> {
  if (!Array.isArray(events)) {
    throw new InvalidInputError({ vendor: "kameleoon", message: "events must be an array", issues: [{ path: "events", message: "must be an array" }] });
  }
  const format = options.format ?? "lines";
  const maxBytes = Math.min(options.maxBodyBytes ?? MAX_EVENTS_BODY_BYTES, MAX_EVENTS_BODY_BYTES);
  const report: SendEventsReport<E> = { ok: true, accepted: [], failed: [], chunks: [] };
  const ready: { position: number; event: E; text: string; bytes: number }[] = [];
  events.forEach((given, position) => {
    const raw = given as unknown as Record<string, unknown>;
    const at = `events[${position}]`;
    const fail = (message: string, issueList: InvalidInputIssue[]) =>
      report.failed.push({ position, event: given, error: new InvalidInputError({ vendor: "kameleoon", redactor: ctx.redactor, message, issues: issueList }) });
    const issues = raw && typeof raw === "object" ? problems(raw, ctx) : ["must be an object"];
    if (issues.length > 0) return void fail(`event ${position} was not sent: ${issues.join("; ")}`, issues.map((m) => ({ path: at, message: m })));
    const event = { ...given, nonce: given.nonce ?? newNonce() } as E;
    // Encoded and measured once; nothing here may throw (a cycle, a BigInt, a throwing getter).
    let text: string;
    try {
      const unsafe = jsonIssues(event, at);
      if (unsafe.length > 0) return void fail(`event ${position} was not sent: ${unsafe.map((i) => `${i.path} ${i.message}`).join("; ")}`, unsafe);
      text = format === "lines" ? encodeEventLine(event as unknown as Record<string, unknown>) : JSON.stringify(event);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown error";
      return void fail(`event ${position} was not sent: it cannot be encoded (${reason})`, [{ path: at, message: `cannot be encoded (${reason})` }]);
    }
    const bytes = utf8Bytes(text);
    if (bytes + 2 > maxBytes) return void fail(`event ${position} was not sent: it alone is larger than the ${maxBytes}-byte body limit`, [{ path: at, message: `larger than ${maxBytes} bytes` }]);
    ready.push({ position, event, text, bytes });
  });

  // Lines are joined by "\n", JSON items by "," inside "[...]": one separator byte each.
  const chunks: (typeof ready)[] = [];
  let current: typeof ready = [];
  let size = format === "json" ? 2 : 0;
  for (const entry of ready) {
    const add = entry.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + add > maxBytes) {
      chunks.push(current);
      current = [];
      size = format === "json" ? 2 : 0;
    }
    size += entry.bytes + (current.length > 0 ? 1 : 0);
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);

  // The docs disagree on the limit (10, 8, 3, 1 MB): should the server still answer 413, nothing was
  // taken, so the chunk is sent again as two halves (down to single events, which then fail).
  const queue = [...chunks];
  const signal = options.signal;
  const aborted = () => new AbortedError({ vendor: "kameleoon", redactor: ctx.redactor, cause: signal?.reason });
  for (let index = 0; queue.length > 0; index++) {
    const chunk = queue.shift()!;
    // Sizes are known per event: the body's bytes are their sum plus one separator each (and "[]").
    const bodyBytes = chunk.reduce((n, c) => n + c.bytes, 0) + chunk.length - 1 + (format === "json" ? 2 : 0);
    let error: CdpkitError | undefined;
    let httpStatus: number | undefined;
    if (signal?.aborted) {
      error = aborted(); // not started: nothing of it was sent
    } else {
      const body = format === "json" ? `[${chunk.map((c) => c.text).join(",")}]` : chunk.map((c) => c.text).join("\n");
      try {
        const result = await untilAborted(ctx.send(body, format, signal), signal);
        httpStatus = result.response.status;
        if (!result.response.ok) error = ctx.errorFor(result);
      } catch (thrown) {
        // Given up on by the caller: not confirmed sent. An answer the server gave keeps its own error.
        if (signal?.aborted && !(thrown instanceof CdpkitError && thrown.status !== undefined)) error = aborted();
        else error = thrown instanceof CdpkitError ? thrown : toNetworkError(thrown, { vendor: "kameleoon", redactor: ctx.redactor });
        // throwOnError: the HTTP status travels in the error.
        if (error.status !== undefined) httpStatus = error.status;
      }
    }
    if (httpStatus === 413 && chunk.length > 1) {
      const half = Math.ceil(chunk.length / 2);
      queue.unshift(chunk.slice(0, half), chunk.slice(half));
      report.chunks.push({ index, positions: chunk.map((c) => c.position), bytes: bodyBytes, status: "split", httpStatus });
      continue;
    }
    report.chunks.push({ index, positions: chunk.map((c) => c.position), bytes: bodyBytes, status: error ? "failed" : "accepted", ...(httpStatus !== undefined ? { httpStatus } : {}), ...(error ? { error } : {}) });
    for (const c of chunk) {
      if (error) report.failed.push({ position: c.position, event: c.event, error });
      else report.accepted.push({ position: c.position, event: c.event });
    }
  }
  report.failed.sort((a, b) => a.position - b.position);
  report.ok = report.failed.length === 0;
  return report;
}
