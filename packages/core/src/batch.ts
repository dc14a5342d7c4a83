import { AbortedError, CdpkitError, InvalidInputError, toNetworkError, type InvalidInputIssue } from "./errors.js";
import { measureJson } from "./json.js";
import type { Redactor } from "./redact.js";
import { untilAborted } from "./token.js";

/**
 * One engine for every batch helper (DFINERY, Synerise and Kameleoon events, Altcraft batch imports):
 * items are read lazily from an array, an Iterable or an AsyncIterable, checked and completed one by
 * one, packed into requests by count, bytes and weight (and by group, where a vendor wants one kind of
 * item per request), sent with bounded concurrency, and accounted for: every item read ends accepted
 * or failed with its reason, nothing is dropped. A 413 splits the request in halves.
 *
 * Memory stays bounded for streamed input: at most `concurrency` requests in flight plus one open
 * request per group are held, and accepted items are counted, not kept (arrays keep them by default).
 */

export interface BatchLimits {
  /** Items per request. */
  readonly maxItems: number;
  /** Bytes of the request body: `overheadBytes` + items + a separator between items. */
  readonly maxBytes?: number;
  /** Bytes around the items (e.g. `[]` of a JSON array, an envelope object). Default 2. */
  readonly overheadBytes?: number;
  /** Bytes between two items (`,` or a newline). Default 1. */
  readonly separatorBytes?: number;
  /** Sum of `weightOf(item)` per request (e.g. DFINERY: 100 event items per request). */
  readonly maxWeight?: number;
}

/** One item ready to go: as sent, its encoded text and size, and where it was in the input. */
export interface PreparedItem<Item> {
  readonly item: Item;
  readonly text: string;
  readonly bytes: number;
  readonly position: number;
}

/** The items of one request. */
export interface Batch<Item> {
  /** Order in which batches were formed (a split half gets a new index). */
  readonly index: number;
  readonly entries: readonly PreparedItem<Item>[];
  /** Body bytes: overhead + items + separators. */
  readonly bytes: number;
}

/** What a request reported per item, when the vendor answers per item (e.g. Altcraft `result[]`). */
export interface BatchOutcome {
  /** Entries (by index in `batch.entries`) the vendor rejected, with the reason. */
  readonly rejected?: readonly { readonly entry: number; readonly error: CdpkitError }[];
}

/** What `prepare` / `encode` return for an item that cannot be sent: the issues, each naming its field. */
export class InvalidItem {
  constructor(readonly issues: readonly InvalidInputIssue[]) {}

  /** Issues that all name the item itself (`events[3]`), each message saying which field is wrong. */
  static at(path: string, messages: readonly string[]): InvalidItem {
    return new InvalidItem(messages.map((message) => ({ path, message })));
  }
}

export interface BatchPlan<Input, Item> {
  readonly vendor: string;
  /** What an item is called in errors: `event` gives "event 3 was not sent" and paths `events[3]`. Default `item`. */
  readonly itemName?: string;
  readonly redactor?: Redactor;
  readonly limits: BatchLimits;
  /**
   * Checks and completes one item (fills its idempotency key, a timestamp); returns the issues when it
   * cannot be sent. Must not throw; a throw is reported as the item's InvalidInputError all the same.
   */
  prepare(input: Input, position: number): Item | InvalidItem;
  /** The item as it goes into the body. Default: JSON, measured once (cycles, BigInt, NaN refused). */
  encode?(item: Item, position: number): { text: string; bytes: number } | InvalidItem;
  /** Items of one request share a group (Synerise: one identifier type per request). */
  groupOf?(item: Item): string;
  weightOf?(item: Item): number;
  /** Sends one request; resolves when the vendor took it, rejects with the reason it did not. */
  send(batch: Batch<Item>, signal: AbortSignal | undefined): Promise<BatchOutcome | void>;
}

export interface BatchProgress {
  /** Items taken from the input so far. */
  readonly read: number;
  readonly accepted: number;
  readonly failed: number;
  /** Requests finished (accepted, failed or split). */
  readonly requests: number;
  readonly inFlight: number;
}

export interface BatchRunOptions {
  /** Requests in flight at once. Default 1 (in order). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Called after every request settles and at the end. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Keep accepted items in the report. Default: true for an array, false for other input. */
  readonly keepAccepted?: boolean;
  /** Called when a request settles: which positions it carried, its size and outcome (logs, tests). */
  readonly onRequest?: (request: BatchRequestResult) => void;
  /**
   * Called once per item read, as soon as its fate is known (in no particular order): accepted, or
   * failed with its reason, including items refused before any request and per-item rejections of an
   * accepted request. For a caller that records progress item by item (a checkpoint, a dead-letter file)
   * without waiting for the report.
   */
  readonly onItemSettled?: (outcome: ItemOutcome) => void;
}

/** One item's fate, as `onItemSettled` reports it. */
export type ItemOutcome =
  | { readonly position: number; readonly accepted: true; readonly item: unknown }
  | { readonly position: number; readonly accepted: false; readonly item: unknown; readonly error: CdpkitError };

export interface BatchRequestResult {
  readonly index: number;
  readonly positions: readonly number[];
  readonly bytes: number;
  /** `split`: answered 413, its items went out again in two halves. */
  readonly status: "accepted" | "failed" | "split";
  readonly error?: CdpkitError;
}

export interface BatchFailure<Item> {
  readonly position: number;
  /** The item as completed (id filled in), or as given when it could not be prepared. */
  readonly item: Item | unknown;
  readonly error: CdpkitError;
}

export interface BatchReport<Item> {
  /** True when every item read was accepted. */
  readonly ok: boolean;
  /** Items taken from the input. */
  readonly read: number;
  readonly accepted: number;
  /** The accepted items, by position (only with `keepAccepted`). */
  readonly acceptedItems?: readonly { readonly position: number; readonly item: Item }[];
  /** Every item not accepted, by position, with its reason. */
  readonly failed: readonly BatchFailure<Item>[];
  /** Requests sent: accepted, failed, and split after a 413 (their halves are counted too). */
  readonly requests: { readonly accepted: number; readonly failed: number; readonly split: number };
}

/** What a batch helper takes: an array, or a stream of any length (read as it is sent). */
export type ItemSource<T> = readonly T[] | Iterable<T> | AsyncIterable<T>;

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return value !== null && typeof value === "object" && typeof (value as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
}

function isIterable<T>(value: unknown): value is Iterable<T> {
  return value !== null && typeof value === "object" && typeof (value as Iterable<T>)[Symbol.iterator] === "function";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** What `take` returns when the caller's signal stopped the reading. */
const STOP = Symbol("stop");

/** A fresh aborted-error for an item the caller's abort kept from being sent. */
function aborted(vendor: string, signal: AbortSignal, redactor: Redactor | undefined): AbortedError {
  return new AbortedError({ vendor, cause: signal.reason, ...(redactor ? { redactor } : {}) });
}

function invalid(
  vendor: string,
  name: string,
  position: number,
  issues: readonly InvalidInputIssue[],
  redactor: Redactor | undefined,
): InvalidInputError {
  return new InvalidInputError({
    vendor,
    message: `${name} ${position} was not sent: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues: [...issues],
    ...(redactor ? { redactor } : {}),
  });
}

export async function runBatches<Input, Item>(
  source: ItemSource<Input>,
  plan: BatchPlan<Input, Item>,
  options: BatchRunOptions = {},
): Promise<BatchReport<Item>> {
  if (!isIterable(source) && !isAsyncIterable(source)) {
    throw new InvalidInputError({
      vendor: plan.vendor,
      message: `${plan.vendor}: items must be an array, an Iterable or an AsyncIterable`,
      issues: [{ path: "items", message: "must be an array, an Iterable or an AsyncIterable" }],
    });
  }
  const { vendor, redactor, limits } = plan;
  const name = plan.itemName ?? "item";
  const pathOf = (position: number): string => `${name}s[${position}]`;
  const { signal } = options;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const keep = options.keepAccepted ?? Array.isArray(source);
  const maxBytes = limits.maxBytes ?? Infinity;
  const overhead = limits.overheadBytes ?? 2;
  const separator = limits.separatorBytes ?? 1;
  const maxWeight = limits.maxWeight ?? Infinity;
  const encode =
    plan.encode ??
    ((item: Item, position: number): { text: string; bytes: number } | InvalidItem => {
      const measured = measureJson(item, () => pathOf(position));
      return "issues" in measured ? new InvalidItem(measured.issues) : { text: measured.json, bytes: measured.bytes };
    });

  const acceptedItems: { position: number; item: Item }[] = [];
  const failed: BatchFailure<Item>[] = [];
  const requests = { accepted: 0, failed: 0, split: 0 };
  let readCount = 0;
  let accepted = 0;
  let batchIndex = 0;
  const inFlight = new Set<Promise<void>>();

  const progress = (): void =>
    options.onProgress?.({
      read: readCount,
      accepted,
      failed: failed.length,
      requests: requests.accepted + requests.failed + requests.split,
      inFlight: inFlight.size,
    });
  const fail = (position: number, item: unknown, error: CdpkitError): void => {
    failed.push({ position, item, error });
    options.onItemSettled?.({ position, accepted: false, item, error });
  };

  /** Sends one batch; a 413 sends it again as two halves (down to single items, which then fail). */
  const settle = (batch: Batch<Item>, status: BatchRequestResult["status"], error?: CdpkitError): void => {
    requests[status]++;
    options.onRequest?.({
      index: batch.index,
      positions: batch.entries.map((e) => e.position),
      bytes: batch.bytes,
      status,
      ...(error ? { error } : {}),
    });
  };
  const sendBatch = async (batch: Batch<Item>): Promise<void> => {
    if (signal?.aborted) {
      const error = aborted(vendor, signal, redactor);
      for (const e of batch.entries) fail(e.position, e.item, error);
      settle(batch, "failed", error);
      return;
    }
    try {
      // The caller's abort ends the wait at once, even over a transport that ignores the signal.
      const outcome = await untilAborted(plan.send(batch, signal), signal);
      const rejected = new Map((outcome?.rejected ?? []).map((r) => [r.entry, r.error]));
      batch.entries.forEach((e, i) => {
        const error = rejected.get(i);
        if (error) return fail(e.position, e.item, error);
        accepted++;
        if (keep) acceptedItems.push({ position: e.position, item: e.item });
        options.onItemSettled?.({ position: e.position, accepted: true, item: e.item });
      });
      settle(batch, "accepted");
    } catch (thrown) {
      const error =
        signal?.aborted && !(thrown instanceof CdpkitError && thrown.status !== undefined)
          ? aborted(vendor, signal, redactor)
          : thrown instanceof CdpkitError
            ? thrown
            : toNetworkError(thrown, { vendor, ...(redactor ? { redactor } : {}) });
      if (error.status === 413 && batch.entries.length > 1) {
        settle(batch, "split", error);
        const half = Math.ceil(batch.entries.length / 2);
        for (const part of [batch.entries.slice(0, half), batch.entries.slice(half)]) {
          await sendBatch({ index: batchIndex++, entries: part, bytes: bodyBytes(part) });
        }
        return;
      }
      for (const e of batch.entries) fail(e.position, e.item, error);
      settle(batch, "failed", error);
    } finally {
      progress();
    }
  };

  const bodyBytes = (entries: readonly PreparedItem<Item>[]): number =>
    overhead + entries.reduce((n, e) => n + e.bytes, 0) + Math.max(0, entries.length - 1) * separator;

  const dispatch = async (entries: PreparedItem<Item>[], bytes: number): Promise<void> => {
    // Backpressure: never more than `concurrency` requests in flight, so a stream is read only as
    // fast as it is sent.
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const task = sendBatch({ index: batchIndex++, entries, bytes }).finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  interface Open {
    entries: PreparedItem<Item>[];
    bytes: number;
    weight: number;
  }
  const open = new Map<string, Open>();
  let position = 0;
  /** Takes one item read: refused, added to its group's open request, or (STOP) the caller aborted. A full request is
   * dispatched, and the promise returned must be awaited before the next item is read (backpressure). */
  const take = (input: Input): Promise<void> | typeof STOP | undefined => {
    const at = position++;
    readCount++;
    if (signal?.aborted) {
      // Stop taking items. An array's remaining items are reported aborted (the caller handed them
      // all over); what a stream has not yielded yet stays with the caller (`read` says how far).
      const rest = Array.isArray(source) ? (source as readonly Input[]).slice(at) : [input];
      const error = aborted(vendor, signal, redactor);
      rest.forEach((item, i) => fail(at + i, item, error));
      readCount += rest.length - 1;
      return STOP;
    }
    let prepared: Item | InvalidItem;
    let encoded: { text: string; bytes: number } | InvalidItem;
    try {
      prepared = plan.prepare(input, at);
      encoded = prepared instanceof InvalidItem ? prepared : encode(prepared, at);
    } catch (error) {
      // A plan must not throw; if it does, the item fails alone all the same.
      encoded = prepared = InvalidItem.at(pathOf(at), [
        `could not be prepared (${error instanceof Error ? error.message : String(error)})`,
      ]);
    }
    if (encoded instanceof InvalidItem) {
      fail(at, prepared instanceof InvalidItem ? input : prepared, invalid(vendor, name, at, encoded.issues, redactor));
      return undefined;
    }
    const item = prepared as Item;
    const weight = plan.weightOf?.(item) ?? 0;
    if (overhead + encoded.bytes > maxBytes || weight > maxWeight) {
      const what =
        weight > maxWeight
          ? `weighs ${weight}, more than the ${maxWeight} a request may carry`
          : `is larger than the ${maxBytes}-byte request limit (${encoded.bytes} bytes)`;
      fail(at, item, invalid(vendor, name, at, [{ path: pathOf(at), message: `alone ${what}` }], redactor));
      return undefined;
    }
    const group = plan.groupOf?.(item) ?? "";
    const entry = { item, text: encoded.text, bytes: encoded.bytes, position: at };
    const batch = open.get(group);
    if (
      batch &&
      (batch.entries.length >= limits.maxItems || batch.bytes + separator + encoded.bytes > maxBytes || batch.weight + weight > maxWeight)
    ) {
      // The full request goes out; this item opens the next one (nothing else is read until it has).
      open.set(group, { entries: [entry], bytes: overhead + encoded.bytes, weight });
      return dispatch(batch.entries, batch.bytes);
    }
    if (!batch) open.set(group, { entries: [entry], bytes: overhead + encoded.bytes, weight });
    else {
      batch.entries.push(entry);
      batch.bytes += separator + encoded.bytes;
      batch.weight += weight;
    }
    return undefined;
  };
  try {
    if (isAsyncIterable<Input>(source)) {
      for await (const input of source) {
        const taken = take(input);
        if (taken === STOP) break;
        if (taken) await taken;
      }
    } else {
      // A plain loop: an async generator around a sync source cost a promise and microtask turns per item.
      for (const given of source as Iterable<Input>) {
        // A promise in a sync source is awaited, as `for await` would (a rejection is the input's failure).
        const input = isThenable(given) ? ((await given) as Input) : given;
        const taken = take(input);
        if (taken === STOP) break;
        if (taken) await taken;
      }
    }
  } catch (error) {
    // The input itself failed (a stream error): what was read is still sent and reported; the error
    // reaches the caller after that, so nothing read is lost silently.
    for (const batch of open.values()) if (batch.entries.length > 0) await dispatch(batch.entries, batch.bytes);
    await Promise.all(inFlight);
    throw error;
  }
  for (const batch of open.values()) if (batch.entries.length > 0) await dispatch(batch.entries, batch.bytes);
  await Promise.all(inFlight);
  progress();

  failed.sort((a, b) => a.position - b.position);
  if (keep) acceptedItems.sort((a, b) => a.position - b.position);
  return {
    ok: failed.length === 0,
    read: readCount,
    accepted,
    ...(keep ? { acceptedItems } : {}),
    failed,
    requests,
  };
}
