import {
  InvalidInputError,
  jsonIssues,
  utf8Bytes,
  withFields,
  type BatchPlan,
  type BatchReport,
  type BatchRunOptions,
  type ItemSource,
  type CdpkitError,
  type OperationResult,
  type Redactor,
} from "@cdpkit/core";
import { InvalidItem, runBatches } from "@cdpkit/core/batch";
import type { components } from "./generated/openapi.js";

/** A visit event: `eventType` plus its parameters (`goalId`, `revenue`, `index`, `href`, ...). */
export type VisitEvent = Omit<components["schemas"]["VisitEvent"], "nonce"> & { nonce?: string };
/** A product event: PRODUCTPAGE (with attributes such as `name`), PRODUCTADDTOCART or PRODUCTBUY. */
export type ProductEvent = Omit<components["schemas"]["ProductEvent"], "nonce"> & { nonce?: string };

/** The smallest body limit the docs versions give ("10 MB", "3 MB", "1 MB"): 1 MB read as 10^6 bytes. */
export const MAX_EVENTS_BODY_BYTES = 1_000_000;
const NONCE = /^[0-9A-Fa-f]{16}$/;

/** Random bytes drawn 8 per nonce, each byte used once, refilled when spent. */
const noncePool = new Uint8Array(4096);
let noncePoolAt = noncePool.length;
const HEX_DIGITS = Array.from("0123456789ABCDEF", (digit) => digit.charCodeAt(0));
/** The 16 character codes of the nonce being made (reused: one array for every nonce). */
const nonceCodes = new Array<number>(16).fill(0);

/** A fresh 16-hex-character nonce, as each event needs one ("nonce (required, 16 hex chars, unique per event)"). */
export function newNonce(): string {
  if (noncePoolAt + 8 > noncePool.length) {
    // One getRandomValues call per 512 nonces: a call per nonce cost more than the rest of an event's preparation.
    globalThis.crypto.getRandomValues(noncePool);
    noncePoolAt = 0;
  }
  for (let i = 0; i < 8; i++) {
    const byte = noncePool[noncePoolAt + i]!;
    nonceCodes[2 * i] = HEX_DIGITS[byte >> 4]!;
    nonceCodes[2 * i + 1] = HEX_DIGITS[byte & 15]!;
  }
  noncePoolAt += 8;
  // One string from character codes: concatenating eight two-digit pieces left seven strings of garbage per
  // nonce, and a slice of one long hex text made URLSearchParams encode the nonce several times slower.
  return String.fromCharCode(...nonceCodes);
}

/**
 * One event as a line of the line format: a URL query string, `eventType` first and `nonce` last;
 * objects and arrays (e.g. `valuesCountMap`) are sent as JSON, every value URL-encoded.
 */
export function encodeEventLine(event: Record<string, unknown>): string {
  // One pass over the keys, no intermediate arrays: this runs once per event of a batch.
  const params = new URLSearchParams();
  if (isOwnField(event, "eventType")) appendField(params, "eventType", event.eventType);
  for (const key of Object.keys(event)) if (key !== "eventType" && key !== "nonce") appendField(params, key, event[key]);
  if (isOwnField(event, "nonce")) appendField(params, "nonce", event.nonce);
  return params.toString();
}

/** Whether `key` is one of `event`'s own enumerable keys (one `Object.keys` would list). */
function isOwnField(event: Record<string, unknown>, key: string): boolean {
  return Object.prototype.propertyIsEnumerable.call(event, key);
}

/** A field of a line; a missing (null or undefined) value is left out, an object sent as JSON. */
function appendField(params: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  params.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
}

export interface SendEventsOptions extends Pick<
  BatchRunOptions,
  "signal" | "onProgress" | "onRequest" | "onItemSettled" | "keepAccepted" | "concurrency"
> {
  /** `"lines"` (default): the line format; `"json"`: a JSON array (`json=true`). */
  format?: "lines" | "json";
  /** Lower than the 1 MB default, e.g. for tests; never above it. */
  maxBodyBytes?: number;
}

/**
 * Every event read, accepted (as sent, nonce filled in) or failed with its reason (core's one report
 * shape). After `signal` aborts no body starts, and events not confirmed sent fail with an AbortedError.
 */
export type SendEventsReport<E> = BatchReport<E>;

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

/** Who the events are about: the identifier field, and its value when given once for all events. */
type EventsIdentity = Pick<SendEventsContext, "idField" | "common">;

const MAX_ID_CHARS = 100;

function problems(event: Record<string, unknown>, who: EventsIdentity): string[] {
  const out: string[] = [];
  if (typeof event.eventType !== "string" || event.eventType === "") out.push("eventType must be a non-empty string");
  if (event.nonce !== undefined && (typeof event.nonce !== "string" || !NONCE.test(event.nonce)))
    out.push("nonce must be 16 hex characters");
  const id = event[who.idField] ?? (who.idField === "visitorCode" ? event.mappingValue : undefined);
  if (who.common === undefined && (typeof id !== "string" || id === "")) {
    out.push(`${who.idField} is required (per event, or once for all events)`);
  }
  if (typeof id === "string" && id.length > MAX_ID_CHARS) out.push(`${who.idField} must be at most ${MAX_ID_CHARS} characters`);
  return out;
}

/**
 * Throws InvalidInputError for an identifier given once for all events (`visitorCode` / `ean`) that
 * Kameleoon would refuse: not a string, empty, or longer than 100 characters. `undefined` is fine
 * (each event then carries its own).
 */
export function assertCommonId(idField: "visitorCode" | "ean", value: unknown, where: string): asserts value is string | undefined {
  if (value === undefined) return;
  const message =
    typeof value !== "string" || value === ""
      ? "must be a non-empty string (or omitted, each event carrying its own)"
      : value.length > MAX_ID_CHARS
        ? `must be at most ${MAX_ID_CHARS} characters`
        : undefined;
  if (message === undefined) return;
  throw new InvalidInputError({ vendor: "kameleoon", message: `${where}: ${idField} ${message}`, issues: [{ path: idField, message }] });
}

function completeEvent<E extends { nonce?: string }>(given: E, position: number, who: EventsIdentity): E | InvalidItem {
  const raw = given as unknown as Record<string, unknown>;
  const issues = raw && typeof raw === "object" && !Array.isArray(raw) ? problems(raw, who) : ["must be an object"];
  if (issues.length > 0) return InvalidItem.at(`events[${position}]`, issues);
  return withFields(given, { nonce: given.nonce ?? newNonce() }) as E;
}

/**
 * Completes one visit event as `sendVisitEvents` does — a `nonce` filled in when missing — or says what
 * is wrong with it; `visitorCode` is the one given for all events, if any. For a queue that fills the
 * nonces once, at enqueue time, so every redelivery sends the same nonce and Kameleoon deduplicates it.
 */
export function completeVisitEvent(given: VisitEvent, position = 0, visitorCode?: string): VisitEvent | InvalidItem {
  return completeEvent(given, position, { idField: "visitorCode", ...(visitorCode ? { common: visitorCode } : {}) });
}

/** As `completeVisitEvent`, for `sendProductEvents` (`ean` per event, or once for all). */
export function completeProductEvent(given: ProductEvent, position = 0, ean?: string): ProductEvent | InvalidItem {
  return completeEvent(given, position, { idField: "ean", ...(ean ? { common: ean } : {}) });
}

/**
 * Visit or product events on core's batch engine: a nonce per event (so a re-sent body is
 * deduplicated), bodies within the byte limit, a 413 split in halves (the docs disagree on the limit:
 * 10, 8, 3, 1 MB), every event accounted for.
 */
export async function sendEventChunks<E extends { nonce?: string }>(
  events: ItemSource<E>,
  options: SendEventsOptions,
  ctx: SendEventsContext,
): Promise<SendEventsReport<E>> {
  const format = options.format ?? "lines";
  const maxBytes = Math.min(options.maxBodyBytes ?? MAX_EVENTS_BODY_BYTES, MAX_EVENTS_BODY_BYTES);
  const plan: BatchPlan<E, E> = {
    vendor: "kameleoon",
    itemName: "event",
    redactor: ctx.redactor,
    // Lines are joined by "\n", JSON items by "," inside "[...]": one separator byte each.
    limits: { maxItems: Number.POSITIVE_INFINITY, maxBytes, overheadBytes: format === "json" ? 2 : 0, separatorBytes: 1 },
    prepare: (given, position) => completeEvent(given, position, ctx),
    encode: (event, position) => {
      const unsafe = jsonIssues(event, () => `events[${position}]`);
      if (unsafe.length > 0) return new InvalidItem(unsafe);
      const text = format === "lines" ? encodeEventLine(event as unknown as Record<string, unknown>) : JSON.stringify(event);
      // Measured even for a line, ASCII by construction: the scan also flattens the text (see utf8Bytes).
      return { text, bytes: utf8Bytes(text) };
    },
    send: async (batch, signal) => {
      const texts = batch.entries.map((e) => e.text);
      const result = await ctx.send(format === "json" ? `[${texts.join(",")}]` : texts.join("\n"), format, signal);
      if (!result.response.ok) throw ctx.errorFor(result);
    },
  };
  return runBatches(events, plan, options);
}
