import {
  isRealDateTime,
  measureJson,
  untilAborted,
  AbortedError,
  CdpkitError,
  InvalidInputError,
  systemClock,
  toNetworkError,
  type Clock,
  type InvalidInputIssue,
  type OperationResult,
  type Redactor,
} from "@cdpkit/core";
import { syneriseError } from "./errors.js";
import type { paths } from "./generated/openapi.js";

/** One event of `POST /v4/events/batch`, as the spec describes it. */
export type SyneriseEvent = paths["/v4/events/batch"]["post"]["requestBody"]["content"]["application/json"][number];

/** Documented limits of `/v4/events/batch`: "You can send up to a 1000 events and the size of the request can't be more than 1 MB." */
export const MAX_EVENTS_PER_BATCH = 1000;
/** 1 MB read as 10^6 bytes of JSON body: the stricter reading of "1 MB". */
export const MAX_BATCH_BYTES = 1_000_000;

export interface SendEventsOptions {
  /**
   * `"fill"` (default): an event without an `eventSalt` gets a random one, and one without `time` gets
   * the current time, so a chunk re-sent after a lost response overwrites its events instead of
   * duplicating them — and such chunks are retried. `"keep"`: events are sent as given; a chunk is
   * then retried only if every event in it already has an `eventSalt`.
   */
  eventSalt?: "fill" | "keep";
  /** Chunks in flight at once. Default 1 (in order). */
  concurrency?: number;
  /** Lower limits, e.g. for tests; never above the documented ones. */
  maxEventsPerBatch?: number;
  maxBatchBytes?: number;
  /**
   * Stops the helper: no chunk starts after the abort, the one in flight is given up, and every event
   * not confirmed sent is reported failed with an AbortedError whose `cause` is the signal's reason.
   */
  signal?: AbortSignal;
}

export interface EventChunkResult {
  /** Position of the chunk in sending order. */
  index: number;
  /** Positions of its events in the array given to sendEvents. */
  positions: number[];
  bytes: number;
  status: "accepted" | "failed";
  httpStatus?: number;
  error?: CdpkitError;
}

export interface SendEventsReport {
  /** True when every event was accepted. */
  ok: boolean;
  /** The events as sent (eventSalt/time filled in), by position in the input. */
  accepted: { position: number; event: SyneriseEvent }[];
  /** Every event not accepted, with the reason — invalid ones are never sent; nothing is dropped. */
  failed: { position: number; event: SyneriseEvent; error: CdpkitError }[];
  chunks: EventChunkResult[];
}

export interface SendEventBatchesContext extends SendEventsOptions {
  /** Sends one chunk; `signal` is the caller's (a transport that takes it cancels the request). */
  post: (body: SyneriseEvent[], safeToRepeat: boolean, signal?: AbortSignal) => Promise<OperationResult>;
  redactor: Redactor;
  clock?: Clock;
}

const IDENTIFIERS = ["id", "uuid", "customId", "email"] as const;


function problems(event: unknown): string[] {
  if (!event || typeof event !== "object" || Array.isArray(event)) return ["must be an object"];
  const e = event as Record<string, unknown>;
  const out: string[] = [];
  if (typeof e.label !== "string" || e.label === "") out.push("label must be a non-empty string");
  // The docs' own 400 sample: "label ... length must be between 1 and 64".
  else if (e.label.length > 64) out.push("label must be at most 64 characters");
  if (typeof e.type !== "string" || e.type === "") out.push("type must be a non-empty string");
  if (typeof e.time === "string" && /^\d{4}-\d{2}-\d{2}/.test(e.time) && !isRealDateTime(e.time)) out.push("time is not a real date and time");
  const client = e.client as Record<string, unknown> | undefined;
  if (!client || typeof client !== "object" || !IDENTIFIERS.some((k) => client[k] !== undefined && client[k] !== null && client[k] !== "")) {
    out.push("client must carry one of id, uuid, customId, email");
  }
  return out;
}

/** "In a request, all events must use the same type of profile identifier": the group key. */
function identifierType(event: SyneriseEvent): string {
  const client = event.client as Record<string, unknown>;
  return IDENTIFIERS.filter((k) => client[k] !== undefined && client[k] !== null && client[k] !== "").join("+");
}

export async function sendEventBatches(events: readonly SyneriseEvent[], ctx: SendEventBatchesContext): Promise<SendEventsReport> {
  if (!Array.isArray(events)) {
    throw new InvalidInputError({ vendor: "synerise", message: "sendEvents: events must be an array", issues: [{ path: "events", message: "must be an array" }] });
  }
  const maxEvents = Math.min(ctx.maxEventsPerBatch ?? MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH);
  const maxBytes = Math.min(ctx.maxBatchBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  const fill = (ctx.eventSalt ?? "fill") === "fill";
  const clock = ctx.clock ?? systemClock;
  const report: SendEventsReport = { ok: true, accepted: [], failed: [], chunks: [] };

  // Prepare: validate, fill salt/time, measure (each event's JSON once), group by identifier type (order kept in each group).
  type Entry = { position: number; event: SyneriseEvent; json: string; bytes: number };
  const groups = new Map<string, Entry[]>();
  const reject = (position: number, event: SyneriseEvent, message: string, issues: InvalidInputIssue[]) =>
    report.failed.push({
      position,
      event,
      error: new InvalidInputError({ vendor: "synerise", redactor: ctx.redactor, message: `sendEvents: event ${position} was not sent: ${message}`, issues }),
    });
  events.forEach((given, position) => {
    const issues = problems(given);
    if (issues.length > 0) {
      return void reject(position, given, issues.join("; "), issues.map((message) => ({ path: `events[${position}]`, message })));
    }
    const event: SyneriseEvent = fill
      ? { ...given, eventSalt: given.eventSalt ?? globalThis.crypto.randomUUID(), time: given.time ?? new Date(clock.now()).toISOString() }
      : given;
    const measured = measureJson(event, `events[${position}]`);
    if ("issues" in measured) {
      return void reject(position, event, measured.issues.map((i) => `${i.path} ${i.message}`).join("; "), measured.issues);
    }
    if (measured.bytes + 2 > maxBytes) {
      return void reject(position, event, `it alone is larger than the ${maxBytes}-byte request limit`, [
        { path: `events[${position}]`, message: `larger than ${maxBytes} bytes` },
      ]);
    }
    const key = identifierType(event);
    const group = groups.get(key) ?? [];
    group.push({ position, event, json: measured.json, bytes: measured.bytes });
    groups.set(key, group);
  });

  // Chunk: at most maxEvents events and maxBytes bytes of `[e1,e2,...]` each.
  const chunks: Entry[][] = [];
  for (const group of groups.values()) {
    let current: Entry[] = [];
    let bytes = 2;
    for (const entry of group) {
      const size = entry.bytes + (current.length > 0 ? 1 : 0);
      if (current.length > 0 && (current.length >= maxEvents || bytes + size > maxBytes)) {
        chunks.push(current);
        current = [];
        bytes = 2;
      }
      bytes += entry.bytes + (current.length > 0 ? 1 : 0);
      current.push(entry);
    }
    if (current.length > 0) chunks.push(current);
  }

  const results: EventChunkResult[] = new Array(chunks.length);
  const sendChunk = async (index: number): Promise<void> => {
    const chunk = chunks[index]!;
    const body = chunk.map((c) => c.event);
    const bytes = 2 + chunk.reduce((n, c) => n + c.bytes, 0) + chunk.length - 1;
    const positions = chunk.map((c) => c.position);
    const safe = body.every((e) => typeof e.eventSalt === "string" && e.eventSalt !== "");
    const signal = ctx.signal;
    const aborted = () => new AbortedError({ vendor: "synerise", redactor: ctx.redactor, cause: signal?.reason });
    let error: CdpkitError | undefined;
    let httpStatus: number | undefined;
    if (signal?.aborted) {
      error = aborted(); // not started: nothing of it was sent
    } else {
      try {
        const result = await untilAborted(ctx.post(body, safe, signal), signal);
        httpStatus = result.response.status;
        if (result.error !== undefined || !result.response.ok) error = syneriseError(result.response, result.error, "POST", ctx.redactor);
      } catch (thrown) {
        // Given up on by the caller: not confirmed sent. An answer the server gave keeps its own error.
        if (signal?.aborted && !(thrown instanceof CdpkitError && thrown.status !== undefined)) error = aborted();
        else error = thrown instanceof CdpkitError ? thrown : toNetworkError(thrown, { vendor: "synerise", redactor: ctx.redactor });
      }
    }
    results[index] = { index, positions, bytes, status: error ? "failed" : "accepted", ...(httpStatus !== undefined ? { httpStatus } : {}), ...(error ? { error } : {}) };
    for (const c of chunk) {
      if (error) report.failed.push({ position: c.position, event: c.event, error });
      else report.accepted.push({ position: c.position, event: c.event });
    }
  };
  const concurrency = Math.max(1, Math.floor(ctx.concurrency ?? 1));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, chunks.length) }, async () => {
      while (next < chunks.length) await sendChunk(next++);
    }),
  );
  report.chunks = results;
  report.accepted.sort((a, b) => a.position - b.position);
  report.failed.sort((a, b) => a.position - b.position);
  report.ok = report.failed.length === 0;
  return report;
}
