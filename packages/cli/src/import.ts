import {
  AbortedError,
  AuthError,
  CdpkitError,
  InvalidInputError,
  MemoryRateLimitStore,
  NetworkError,
  Redactor,
  type ItemOutcome,
  type RateLimitStore,
} from "@cdpkit/core";
import { Checkpoint } from "./checkpoint.js";
import { DeadLetterFile, type DeadLetterReason } from "./dead-letter.js";
import { CouldNotRunError, ExitCode, UsageError } from "./exit.js";
import { recordIds } from "./ids.js";
import { openInput, type InputFormat } from "./input.js";
import { importKind, type ImportKind } from "./kinds.js";
import { createProgress, type ProgressFigures, type ProgressMode } from "./progress.js";
import { createClient, secretsOf, vendorName, vendorSettings, type VendorName } from "./vendors.js";

export interface ImportOptions {
  readonly vendor: string;
  readonly kind: string;
  /** A path, or `-` for standard input. */
  readonly file: string;
  readonly format?: InputFormat;
  readonly dryRun?: boolean;
  readonly deadLetter?: string;
  readonly checkpoint?: string;
  /** Records per second, at most (shared through `redis` with every worker of the same vendor and kind). */
  readonly rate?: number;
  readonly concurrency?: number;
  readonly redis?: string;
  readonly common?: Record<string, unknown>;
  readonly config?: string;
  readonly baseUrl?: string;
  readonly progress: ProgressMode;
  readonly progressIntervalMs?: number;
  /** Ends the run: the first abort stops reading (requests in flight finish), the second cancels them. */
  readonly stop?: { readonly reading: AbortSignal; readonly requests: AbortSignal };
  readonly stderr: NodeJS.WriteStream;
}

/** What the run did; `--json` prints it as is. */
export interface ImportSummary {
  readonly vendor: string;
  readonly kind: string;
  readonly input: string;
  readonly format: InputFormat;
  readonly dryRun: boolean;
  /** `complete`, `interrupted` (resumable), or `stopped` (could not run: resumable once fixed). */
  readonly status: "complete" | "interrupted" | "stopped";
  readonly exitCode: ExitCode;
  /** Records this run: read from the input (past those skipped), sent in requests, accepted, failed. */
  readonly read: number;
  readonly skipped: number;
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
  readonly requests: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** With a checkpoint: every run of this import together. */
  readonly total?: { readonly accepted: number; readonly deadLettered: number; readonly runs: number };
  readonly resumedFrom?: number;
  readonly deadLetter?: string;
  readonly checkpoint?: string;
  readonly error?: string;
}

/** Failures that say the command cannot run at all: the records stay unsettled, and a later run sends them. */
function stopsTheRun(error: CdpkitError): boolean {
  return (
    error instanceof AuthError || (error instanceof NetworkError && error.phase === "connect") || error.name === "RedisUnavailableError"
  );
}

function reasonOf(error: unknown, line: number, record: number): DeadLetterReason {
  const e = error as Partial<CdpkitError> & Error;
  return {
    line,
    record,
    error: e?.name ?? "Error",
    ...(e?.status !== undefined ? { status: e.status } : {}),
    ...(e?.vendorCode !== undefined ? { vendorCode: e.vendorCode as string } : {}),
    message: e?.message ?? String(error),
  };
}

/**
 * The in-process transport of `--dry-run`: every request answered as the vendor answers success, so
 * records pass every check of the real path (the vendor's validation, the spec's body rules, the
 * request packing) and nothing leaves the process.
 */
function dryRunFetch(kind: ImportKind) {
  return async (): Promise<Response> => {
    const { status, body } = kind.dryRunAnswer;
    return new Response(body === undefined || status === 204 ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? {} : { "content-type": "application/json" },
    });
  };
}

/** Paces records to `rate` per second through a rate-limit store (Redis: shared by every worker). */
function pacer(rate: number | undefined, store: RateLimitStore | undefined, key: string) {
  if (rate === undefined) return async () => {};
  const perToken = Math.max(1, Math.floor(rate / 50));
  const rule = { limit: Math.max(1, Math.floor(rate / perToken)), intervalMs: 1000 };
  const tokens = store ?? new MemoryRateLimitStore();
  let count = 0;
  return async (signal: AbortSignal): Promise<void> => {
    if (count++ % perToken !== 0) return;
    for (;;) {
      const taken = await tokens.take(key, rule, Date.now());
      if (taken.granted || signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(taken.waitMs, 1000)));
    }
  };
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const vendor: VendorName = vendorName(options.vendor);
  const kind = importKind(vendor, options.kind);
  const common = options.common ?? {};
  const missing = (kind.requiredCommon ?? []).filter((field) => common[field] === undefined);
  if (missing.length > 0) {
    throw new UsageError(`${vendor} ${kind.name} needs ${missing.join(", ")} in --common (e.g. --common '{"${missing[0]}": 1}')`);
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError("--concurrency must be a positive integer");
  if (options.rate !== undefined && !(options.rate > 0)) throw new UsageError("--rate must be a positive number (records per second)");
  const input = await openInput(options.file, options.format);
  const settings = vendorSettings(vendor, options);
  const secrets = secretsOf(vendor, settings);
  // Two nets: messages and logs lose sensitive names and values; records keep their fields, and lose only secret values.
  const redactor = new Redactor({ secrets });
  const recordRedactor = new Redactor({ secrets, sensitiveKeys: [] });

  const opened = options.checkpoint
    ? Checkpoint.open(options.checkpoint, {
        vendor,
        kind: kind.name,
        input: { label: input.label, format: input.format, fingerprint: input.fingerprint },
      })
    : undefined;
  const checkpoint = opened?.checkpoint;
  const resumedFrom = opened?.resumed ? checkpoint!.state.settledThrough : undefined;
  if (checkpoint) checkpoint.state.runs++;
  if (checkpoint && options.dryRun) throw new UsageError("--dry-run sends nothing and records nothing: leave out --checkpoint");
  const deadLetter = options.deadLetter
    ? new DeadLetterFile(options.deadLetter, opened?.resumed ? checkpoint!.state.deadLetterBytes : undefined, recordRedactor)
    : undefined;

  let store: (RateLimitStore & { close?: () => Promise<void> }) | undefined;
  if (options.redis) {
    const { RedisRateLimitStore } = await import("@cdpkit/redis");
    store = new RedisRateLimitStore({
      redis: options.redis,
      logger: { warn: (m: string) => options.stderr.write(`${redactor.redactText(m)}\n`) } as never,
    });
  }
  const client = createClient(vendor, {
    settings,
    placeholders: options.dryRun === true,
    ...(store && !options.dryRun ? { store } : {}),
    base: { throwOnError: true, ...(options.dryRun ? { fetch: dryRunFetch(kind), rateLimit: false } : {}) },
  });
  const pace = pacer(options.rate, store, `cdpkit:import:${vendor}:${kind.name}:${settings.serviceId ?? settings.siteCode ?? ""}`);

  const cancel = new AbortController();
  options.stop?.requests.addEventListener("abort", () => cancel.abort(new Error("interrupted")), { once: true });
  const stopReading = (): boolean => options.stop?.reading.aborted === true || cancel.signal.aborted;

  let read = 0;
  let skipped = 0;
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let fatal: CdpkitError | undefined;
  let inputError: Error | undefined;
  let exhausted = false;
  let requests = 0;
  /** Records handed to the kind and not settled yet, by their position in that stream. */
  const pending = new Map<number, { index: number; line: number; record: unknown }>();

  const figures = (): ProgressFigures => ({
    read,
    skipped,
    sent,
    accepted,
    failed,
    bytesRead: input.bytesRead(),
    totalBytes: input.totalBytes,
  });
  const progress = createProgress(options.progress, {
    stream: options.stderr,
    label: `${options.dryRun ? "dry run" : "import"} ${vendor} ${kind.name}`,
    intervalMs: options.progressIntervalMs ?? 2000,
  });
  let lastSave = Date.now();
  const save = (complete = false): void => {
    if (!checkpoint) return;
    deadLetter?.sync();
    checkpoint.save({ deadLetterBytes: deadLetter?.bytes ?? 0, complete });
    lastSave = Date.now();
  };
  // Progress reaches the disk at least every 250 ms while records settle, and on every way out.
  const saveTimer = setInterval(() => {
    if (Date.now() - lastSave >= 250) save();
    progress.update(figures());
  }, 250);

  const deadLetterRecord = (index: number, line: number, record: unknown, error: unknown): void => {
    failed++;
    deadLetter?.write(reasonOf(error, line, index), record);
    checkpoint?.settle(index, "deadLettered");
  };

  const onItemSettled = (outcome: ItemOutcome): void => {
    const entry = pending.get(outcome.position);
    if (!entry) return;
    if (outcome.accepted) {
      pending.delete(outcome.position);
      if (!options.dryRun) sent++;
      accepted++;
      checkpoint?.settle(entry.index, "accepted");
      return;
    }
    const { error } = outcome;
    // Unsent because the run stops, or cannot go on: left unsettled for the next run.
    if (error instanceof AbortedError) return;
    if (stopsTheRun(error)) {
      fatal ??= error;
      cancel.abort(error);
      return;
    }
    pending.delete(outcome.position);
    if (error.status !== undefined && !options.dryRun) sent++;
    deadLetterRecord(entry.index, entry.line, entry.record, error);
  };

  async function* records(): AsyncGenerator<unknown> {
    let position = 0;
    try {
      for await (const item of input.records()) {
        if (stopReading()) return;
        if (checkpoint?.isSettled(item.index)) {
          skipped++;
          continue;
        }
        read++;
        if ("error" in item) {
          const issue = { path: `line ${item.line}`, message: item.error };
          deadLetterRecord(
            item.index,
            item.line,
            item.raw,
            new InvalidInputError({ vendor, message: `line ${item.line}: ${item.error}`, issues: [issue] }),
          );
          continue;
        }
        const record = kind.withIds ? kind.withIds(item.value, recordIds(vendor, kind.name, item.line, item.value)) : item.value;
        pending.set(position, { index: item.index, line: item.line, record });
        await pace(cancel.signal);
        yield record;
        position++;
      }
      exhausted = true;
    } catch (error) {
      // Redis gone while pacing: the run cannot go on. Anything else means the input itself broke
      // (truncated gzip, CSV quoting): what was read is still sent and settled.
      if (error instanceof CdpkitError && stopsTheRun(error)) fatal ??= error;
      else inputError = error instanceof Error ? error : new Error(String(error));
    }
  }

  try {
    await kind.send(client as never, records(), {
      concurrency,
      signal: cancel.signal,
      common,
      onItemSettled,
      onRequest: () => void requests++,
    });
  } catch (error) {
    if (error instanceof CdpkitError && stopsTheRun(error)) fatal ??= error;
    else if (!cancel.signal.aborted) throw error;
  } finally {
    clearInterval(saveTimer);
  }
  const complete = exhausted && !fatal && !inputError && pending.size === 0 && !cancel.signal.aborted;
  save(complete);
  deadLetter?.close();
  await store?.close?.();
  progress.stop(figures());

  const interrupted = !complete && !fatal && !inputError;
  const exitCode: ExitCode = inputError
    ? ExitCode.usage
    : fatal
      ? ExitCode.couldNotRun
      : interrupted
        ? ExitCode.interrupted
        : (checkpoint ? checkpoint.state.deadLettered : failed) > 0
          ? ExitCode.someFailed
          : ExitCode.ok;
  const elapsedMs = Date.now() - started;
  const problem = inputError ?? fatal;
  return {
    vendor,
    kind: kind.name,
    input: input.label,
    format: input.format,
    dryRun: options.dryRun === true,
    status: complete ? "complete" : interrupted ? "interrupted" : "stopped",
    exitCode,
    read,
    skipped,
    sent,
    accepted,
    failed,
    requests,
    elapsedMs,
    recordsPerSecond: Math.round(read / Math.max(0.001, elapsedMs / 1000)),
    ...(checkpoint
      ? {
          total: { accepted: checkpoint.state.accepted, deadLettered: checkpoint.state.deadLettered, runs: checkpoint.state.runs },
          checkpoint: checkpoint.path,
        }
      : {}),
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    ...(deadLetter ? { deadLetter: deadLetter.path } : {}),
    ...(problem ? { error: redactor.redactText(problem.message) } : {}),
  };
}
