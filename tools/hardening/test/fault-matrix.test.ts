/**
 * The fault matrix: every row is a short fault script played by a local server against one READ
 * (safe to repeat) and one WRITE operation of each vendor, asserting the error class the caller
 * sees, how many attempts reached the server and whether a write was sent again. The expectations
 * are the production target (see tools/hardening/README.md), not today's behaviour.
 */
import type { RetryInfo } from "@cdpkit/core";
import {
  CdpkitError,
  HttpError,
  MalformedResponseError,
  NetworkError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
} from "@cdpkit/core";
import { WriteOutcomeUnknownError } from "@cdpkit/altcraft";
import { describe, expect as globalExpect, it } from "vitest";
import { closedPortUrl } from "@cdpkit/testkit";
import { F, startFaultServer, type Fault, type FaultServer } from "./fault-server.js";
import {
  HARNESSES,
  TRANSPORTS,
  describeError,
  describeOutcome,
  dfinery,
  type Harness,
  type Knobs,
  type Op,
  type Outcome,
  type Transport,
} from "./harness.js";

type Expect = typeof globalExpect;
type ErrorClass = abstract new (...args: never[]) => Error;

const MAX_ATTEMPTS = 3;
/** Per-attempt timeout where a hang is tested: long enough for a loaded 2-core machine, short enough to keep rows fast. */
const HANG_TIMEOUT_MS = 1200; // long enough for a loaded 2-core machine to deliver the request first
/** Where an attempt after the hang must succeed: generous, so a slow but healthy answer never times out. */
const RECOVERY_TIMEOUT_MS = 1_500;
/** "Every call with a 2-4 fault script finishes quickly." */
const ROW_BUDGET_MS = 6_000;

interface RowRun {
  op: Op;
  outcome: Outcome;
  /** Undefined when the client pointed at a closed port. */
  server: FaultServer | undefined;
  other: FaultServer | undefined;
  retries: RetryInfo[];
  elapsedMs: number;
  harness: Harness;
}

interface Row {
  name: string;
  applies: (op: Op) => boolean;
  /** Scripts by path; `{op}` is the operation's path. */
  script?: (op: Op, other: FaultServer | undefined) => Record<string, Fault[]>;
  /** Fallback faults by path (what a path answers once its script is used up). */
  fallback?: (op: Op) => Record<string, Fault>;
  knobs?: Knobs;
  /** A second server on another origin (cross-origin redirects). */
  other?: boolean;
  /** Point the client at a closed port. */
  refused?: boolean;
  check: (expect: Expect, run: RowRun) => void;
}

const isUnsafe = (op: Op) => op.kind === "unsafe";
const isSafeOrBatch = (op: Op) => op.kind !== "unsafe";
const isRead = (op: Op) => op.kind === "safe";
const isAltcraftWrite = (op: Op) => op.vendor === "altcraft" && op.kind === "unsafe";

const attempts = (run: RowRun) => run.server?.hits(run.op.path) ?? 0;

function expectSuccess(expect: Expect, run: RowRun, attemptCount?: number): void {
  const { outcome } = run;
  const ok = outcome.type === "ok" || (outcome.type === "batch" && outcome.accepted === outcome.total && outcome.failed.length === 0);
  expect(ok, `expected success, got ${describeOutcome(outcome)}`).toBe(true);
  if (attemptCount !== undefined) expect(attempts(run), "attempts that reached the server").toBe(attemptCount);
}

function expectErrorIs(expect: Expect, err: unknown, cls: ErrorClass, extra?: (err: Error) => void): void {
  expect(err instanceof cls, `expected ${cls.name}, got ${describeError(err)}`).toBe(true);
  // Never a raw TypeError / SyntaxError: every failure is one of the library's typed errors.
  expect(err instanceof CdpkitError, `expected a CdpkitError, got ${describeError(err)}`).toBe(true);
  if (err instanceof Error && extra) extra(err);
}

/** Thrown (single call) or every event of the batch reported failed with that error, none accepted. */
function expectFailure(expect: Expect, run: RowRun, cls: ErrorClass, extra?: (err: Error) => void): void {
  const { outcome } = run;
  if (run.op.kind === "batch") {
    expect(outcome.type, `expected a batch report, got ${describeOutcome(outcome)}`).toBe("batch");
    if (outcome.type !== "batch") return;
    expect(outcome.accepted, `no event may be accepted: ${describeOutcome(outcome)}`).toBe(0);
    expect(outcome.failed.length, "every event reported failed").toBe(outcome.total);
    for (const f of outcome.failed) expectErrorIs(expect, f.error, cls, extra);
    return;
  }
  expect(outcome.type, `expected a thrown ${cls.name}, got ${describeOutcome(outcome)}`).toBe("thrown");
  if (outcome.type === "thrown") expectErrorIs(expect, outcome.error, cls, extra);
}

const phase = (expect: Expect, want: "connect" | "response" | "body") => (err: Error) =>
  expect((err as NetworkError).phase, `phase of ${describeError(err)}`).toBe(want);
const status = (expect: Expect, want: number) => (err: Error) =>
  expect((err as HttpError).status, `status of ${describeError(err)}`).toBe(want);

function expectNotResent(expect: Expect, run: RowRun): void {
  expect(attempts(run), "a write that is not safe to repeat is sent once").toBe(1);
  expect(run.server?.resent(run.op.path), "the write was not sent again").toBe(false);
}

const json5xx = (s: number) => F.status(s, { message: `scripted ${s}` });

const ROWS: Row[] = [
  // ---- retries of requests that are safe to repeat --------------------------------------------
  {
    name: "503 then success: retried, succeeds on the 2nd attempt",
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: [json5xx(503)] }),
    check: (expect, run) => expectSuccess(expect, run, 2),
  },
  ...[500, 502, 503, 504].map((s): Row => ({
    name: `${s} x${MAX_ATTEMPTS}: ServerError after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, json5xx(s)) }),
    check: (expect, run) => {
      expectFailure(expect, run, ServerError, status(expect, s));
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  })),
  ...[408, 425].map((s): Row => ({
    name: `${s} x${MAX_ATTEMPTS}: HttpError ${s} after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.status(s, { message: `scripted ${s}` })) }),
    check: (expect, run) => {
      expectFailure(expect, run, HttpError, status(expect, s));
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  })),
  {
    name: `429 Retry-After: 0 x${MAX_ATTEMPTS}: RateLimitError after ${MAX_ATTEMPTS} attempts (writes too: a 429 applied nothing)`,
    applies: () => true,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.retryAfterSeconds(0)) }),
    check: (expect, run) => {
      expectFailure(expect, run, RateLimitError, status(expect, 429));
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  },
  {
    name: `reset before headers x${MAX_ATTEMPTS}: NetworkError phase "response" after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.resetBeforeHeaders()) }),
    check: (expect, run) => {
      expectFailure(expect, run, NetworkError, phase(expect, "response"));
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  },
  {
    name: "reset before headers then success: succeeds on the 2nd attempt",
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: [F.resetBeforeHeaders()] }),
    check: (expect, run) => expectSuccess(expect, run, 2),
  },
  {
    name: `reset mid-body x${MAX_ATTEMPTS}: NetworkError phase "body" after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.resetMidBody()) }),
    check: (expect, run) => {
      expectFailure(expect, run, NetworkError, phase(expect, "body"));
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  },
  {
    name: "reset mid-body then success: succeeds on the 2nd attempt",
    applies: isSafeOrBatch,
    script: (op) => ({ [op.path]: [F.resetMidBody()] }),
    check: (expect, run) => expectSuccess(expect, run, 2),
  },
  {
    name: `no answer x${MAX_ATTEMPTS}: TimeoutError after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    knobs: { timeoutMs: HANG_TIMEOUT_MS },
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.noAnswer()) }),
    check: (expect, run) => {
      expectFailure(expect, run, TimeoutError);
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  },
  {
    name: `trickled body past the timeout x${MAX_ATTEMPTS}: TimeoutError after ${MAX_ATTEMPTS} attempts`,
    applies: isSafeOrBatch,
    knobs: { timeoutMs: HANG_TIMEOUT_MS },
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.trickle(200)) }),
    check: (expect, run) => {
      expectFailure(expect, run, TimeoutError);
      expect(attempts(run)).toBe(MAX_ATTEMPTS);
    },
  },
  {
    name: "trickled body then success: succeeds on the 2nd attempt",
    applies: isSafeOrBatch,
    knobs: { timeoutMs: RECOVERY_TIMEOUT_MS },
    script: (op) => ({ [op.path]: [F.trickle(200)] }),
    check: (expect, run) => expectSuccess(expect, run, 2),
  },
  {
    name: `connection refused: NetworkError phase "connect", retried (nothing was sent)`,
    applies: () => true,
    refused: true,
    knobs: { staticAuth: true },
    check: (expect, run) => {
      expectFailure(expect, run, NetworkError, phase(expect, "connect"));
      if (isAltcraftWrite(run.op) && run.outcome.type === "thrown") {
        expect(run.outcome.error instanceof WriteOutcomeUnknownError, "refused: nothing reached Altcraft, so the outcome is known").toBe(
          false,
        );
      }
      expect(run.retries.length, "retries after connection refused").toBe(MAX_ATTEMPTS - 1);
    },
  },

  // ---- writes that are not safe to repeat ------------------------------------------------------
  ...[500, 502, 503, 504].map((s): Row => ({
    name: `write answered ${s}: ServerError, sent once`,
    applies: isUnsafe,
    script: (op) => ({ [op.path]: [json5xx(s)] }),
    check: (expect, run) => {
      expectFailure(expect, run, ServerError, status(expect, s));
      expectNotResent(expect, run);
    },
  })),
  {
    name: "write answered 429 Retry-After: 0 then success: retried (the server applied nothing)",
    applies: isUnsafe,
    script: (op) => ({ [op.path]: [F.retryAfterSeconds(0)] }),
    check: (expect, run) => expectSuccess(expect, run, 2),
  },
  {
    name: "write reset before headers: sent once; NetworkError phase response (Altcraft: WriteOutcomeUnknownError)",
    applies: isUnsafe,
    script: (op) => ({ [op.path]: [F.resetBeforeHeaders()] }),
    check: (expect, run) => {
      if (isAltcraftWrite(run.op)) expectFailure(expect, run, WriteOutcomeUnknownError);
      else expectFailure(expect, run, NetworkError, phase(expect, "response"));
      expectNotResent(expect, run);
    },
  },
  {
    name: "write reset mid-body: sent once; NetworkError phase body (Altcraft: WriteOutcomeUnknownError)",
    applies: isUnsafe,
    script: (op) => ({ [op.path]: [F.resetMidBody()] }),
    check: (expect, run) => {
      if (isAltcraftWrite(run.op)) expectFailure(expect, run, WriteOutcomeUnknownError);
      else expectFailure(expect, run, NetworkError, phase(expect, "body"));
      expectNotResent(expect, run);
    },
  },
  {
    name: "write never answered: sent once; TimeoutError (Altcraft: WriteOutcomeUnknownError)",
    applies: isUnsafe,
    knobs: { timeoutMs: HANG_TIMEOUT_MS },
    script: (op) => ({ [op.path]: [F.noAnswer()] }),
    check: (expect, run) => {
      expectFailure(expect, run, isAltcraftWrite(run.op) ? WriteOutcomeUnknownError : TimeoutError);
      expectNotResent(expect, run);
    },
  },
  {
    name: "write answer trickled past the timeout: sent once; TimeoutError (Altcraft: WriteOutcomeUnknownError)",
    applies: isUnsafe,
    knobs: { timeoutMs: HANG_TIMEOUT_MS },
    script: (op) => ({ [op.path]: [F.trickle(200)] }),
    check: (expect, run) => {
      expectFailure(expect, run, isAltcraftWrite(run.op) ? WriteOutcomeUnknownError : TimeoutError);
      expectNotResent(expect, run);
    },
  },

  // ---- a 429 is honoured -------------------------------------------------------------------
  {
    name: "429 Retry-After: 1 (seconds): waits, then succeeds on the 2nd attempt",
    applies: () => true,
    script: (op) => ({ [op.path]: [F.retryAfterSeconds(1)] }),
    check: (expect, run) => {
      expectSuccess(expect, run, 2);
      expect(run.elapsedMs, "waited for Retry-After").toBeGreaterThanOrEqual(700);
    },
  },
  {
    name: "429 Retry-After as an HTTP date ~1.5 s ahead: waits, then succeeds on the 2nd attempt",
    applies: isRead,
    script: (op) => ({ [op.path]: [F.retryAfterDate(1500)] }),
    check: (expect, run) => {
      expectSuccess(expect, run, 2);
      expect(run.elapsedMs, "waited for the Retry-After date").toBeGreaterThanOrEqual(300);
    },
  },
  {
    name: "429 x-ratelimit-remaining 0 + x-ratelimit-reset as epoch ms (+1 s): waits, then succeeds",
    applies: isRead,
    script: (op) => ({ [op.path]: [F.resetEpochMs(1000)] }),
    check: (expect, run) => {
      expectSuccess(expect, run, 2);
      expect(run.elapsedMs, "waited for the reset").toBeGreaterThanOrEqual(700);
    },
  },
  {
    name: "429 x-ratelimit-remaining 0 + x-ratelimit-reset as epoch s (+1 s): waits, then succeeds",
    applies: isRead,
    script: (op) => ({ [op.path]: [F.resetEpochS(1)] }),
    check: (expect, run) => {
      expectSuccess(expect, run, 2);
      expect(run.elapsedMs, "waited for the reset").toBeGreaterThanOrEqual(700);
    },
  },

  // ---- a 2xx that is not the documented success ------------------------------------------------
  ...(
    [
      ["200 truncated JSON", () => true, F.truncatedJson()],
      ["200 HTML page (text/html)", () => true, F.html(200, 2_000)],
      ["200 empty body, Content-Length: 0", (op: Op) => op.jsonSuccess, F.emptyContentLength0()],
      ["200 empty body, chunked", (op: Op) => op.jsonSuccess, F.emptyChunked()],
      ['200 {"foo":1} (no envelope)', (op: Op) => op.envelope, F.json({ foo: 1 })],
      ["200 [] (not an object)", (op: Op) => op.jsonSuccess, F.json([])],
      ['DFINERY 200 without "status": true', (op: Op) => op.vendor === "dfinery", F.json({ code: 20000, message: "OK" })],
      [
        'DFINERY 200 with "status": "true" (a string)',
        (op: Op) => op.vendor === "dfinery",
        F.json({ status: "true", code: 20000, message: "OK" }),
      ],
      ["Altcraft 200 without `error`", (op: Op) => op.vendor === "altcraft", F.json({ error_text: "Successful operation", data: {} })],
      [
        'Altcraft 200 with "error": "0" (not a number)',
        (op: Op) => op.vendor === "altcraft",
        F.json({ error: "0", error_text: "Successful operation" }),
      ],
    ] as const
  ).map(([label, applies, fault]): Row => ({
    name: `${label}: MalformedResponseError (batch: every event failed)`,
    applies,
    // Enough copies that a client which retried the malformed answer still ends on it.
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, fault) }),
    check: (expect, run) => expectFailure(expect, run, MalformedResponseError),
  })),

  // ---- HTML error pages and huge bodies ------------------------------------------------------------
  {
    name: "503 HTML error page (20 KB, text/html): ServerError whose message is at most 4 KB",
    applies: () => true,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.html(503, 20_000)) }),
    check: (expect, run) =>
      expectFailure(expect, run, ServerError, (err) => {
        expect(err.message.length, "message length").toBeLessThanOrEqual(4096);
        expect(String(err).length).toBeLessThanOrEqual(4096 + 64);
      }),
  },
  {
    name: "200 with a 40 MB body, maxResponseBytes 1 MB: ResponseTooLargeError",
    applies: (op) => op.jsonSuccess,
    knobs: { maxResponseBytes: 1_000_000 },
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.huge(200)) }),
    check: (expect, run) => expectFailure(expect, run, ResponseTooLargeError),
  },
  {
    name: "200 with a 40 MB body at the client's default maxResponseBytes: ResponseTooLargeError",
    applies: (op) => op.vendor === "dfinery" && op.kind === "safe",
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.huge(200)) }),
    check: (expect, run) => expectFailure(expect, run, ResponseTooLargeError),
  },
  {
    name: "400 with a 40 MB text body: HttpError 400 whose message <= 4 KB and body <= 64 KiB",
    applies: isRead,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.huge(400, "text/plain")) }),
    check: (expect, run) =>
      expectFailure(expect, run, HttpError, (err) => {
        expect((err as HttpError).status).toBe(400);
        expect(err.message.length, "message length").toBeLessThanOrEqual(4096);
        const body = (err as HttpError).body;
        const size = typeof body === "string" ? Buffer.byteLength(body) : Buffer.byteLength(JSON.stringify(body) ?? "");
        // 64 KiB plus room for a truncation marker.
        expect(size, "kept body size").toBeLessThanOrEqual(64 * 1024 + 256);
        expect(JSON.stringify(err).length, "JSON of the error").toBeLessThanOrEqual(80 * 1024);
      }),
  },

  // ---- redirects ----------------------------------------------------------------------------------
  ...([307, 308] as const).map((s): Row => ({
    name: `same-origin ${s} on a safe request: followed, credential kept`,
    applies: isRead,
    script: (op) => ({ [op.path]: [F.redirect(s, `${op.path}?hop=1`)] }),
    check: (expect, run) => {
      expectSuccess(expect, run, 2);
      const [first, second] = run.server!.requestsTo(run.op.path);
      expect(second?.search).toContain("hop=1");
      expect(second?.method).toBe(run.op.method);
      const credential = run.harness.credentialOf(first!);
      expect(credential, "the first request carried the credential").toBeTruthy();
      expect(run.harness.credentialOf(second!), "the same-origin hop keeps it").toBe(credential);
    },
  })),
  ...([307, 308] as const).map((s): Row => ({
    name: `cross-origin ${s}: no credential reaches the other origin`,
    applies: (op) => (s === 307 ? true : isRead(op)),
    other: true,
    script: (op, other) => ({ [op.path]: [F.redirect(s, `${other!.url}${op.path}`)] }),
    check: (expect, run) => {
      const secrets = [...run.harness.secrets, ...run.server!.issuedJwts, ...run.server!.issuedAccessTokens];
      for (const rec of run.other!.requests) {
        const seen = JSON.stringify({ headers: rec.headers, body: rec.body, search: rec.search });
        for (const secret of secrets)
          expect(seen.includes(secret), `credential sent to the other origin: ${rec.method} ${rec.path}`).toBe(false);
        expect(rec.credentials, `credential sent to the other origin: ${rec.method} ${rec.path}`).toEqual([]);
      }
      const { outcome } = run;
      if (outcome.type === "thrown") expectErrorIs(expect, outcome.error, CdpkitError);
      if (outcome.type === "batch") for (const f of outcome.failed) expectErrorIs(expect, f.error, CdpkitError);
    },
  })),
  ...([301, 302, 303] as const).map((s): Row => ({
    name: `${s} answering a POST: RedirectError, never the POST's success`,
    applies: (op) => op.method === "POST",
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.redirect(s, "/moved")) }),
    check: (expect, run) => expectFailure(expect, run, RedirectError, status(expect, s)),
  })),
  {
    name: "307 on a write that is not safe to repeat: RedirectError, not re-sent",
    applies: isUnsafe,
    script: (op) => ({ [op.path]: [F.redirect(307, "/moved")] }),
    check: (expect, run) => {
      expectFailure(expect, run, RedirectError);
      expectNotResent(expect, run);
      expect(run.server!.hits("/moved"), "the write went to the redirect target").toBe(0);
    },
  },
  {
    name: "redirect loop: RedirectError naming the Location within 10 hops",
    applies: isRead,
    script: (op) => ({ [op.path]: F.times(MAX_ATTEMPTS, F.redirect(307, "/loop-hop")) }),
    fallback: () => ({ "/loop-hop": F.redirect(307, "/loop-hop") }),
    check: (expect, run) => {
      expectFailure(expect, run, RedirectError, (err) => expect(err.message).toContain("/loop-hop"));
      const total = run.server!.hits(run.op.path) + run.server!.hits("/loop-hop");
      expect(total, "requests for one call (first + hops)").toBeLessThanOrEqual(11);
    },
  },
];

async function play(row: Row, harness: Harness, op: Op, transport: Transport): Promise<RowRun> {
  const retries: RetryInfo[] = [];
  const knobs: Knobs = { ...row.knobs, transport, onRetry: (info) => retries.push(info) };
  const servers: FaultServer[] = [];
  try {
    let server: FaultServer | undefined;
    let other: FaultServer | undefined;
    let baseUrl: string;
    if (row.refused) {
      baseUrl = await closedPortUrl();
    } else {
      server = await startFaultServer({ vendor: harness.vendor });
      servers.push(server);
      if (row.other) {
        other = await startFaultServer({ vendor: harness.vendor });
        servers.push(other);
      }
      for (const [path, faults] of Object.entries(row.script?.(op, other) ?? {})) server.script(path, faults);
      for (const [path, fault] of Object.entries(row.fallback?.(op) ?? {})) server.fallback(path, fault);
      baseUrl = server.url;
    }
    const client = harness.makeClient(baseUrl, knobs);
    const started = Date.now();
    const outcome = await op.invoke(client);
    return { op, outcome, server, other, retries, elapsedMs: Date.now() - started, harness };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

// Every row on both transports: what the policies promise must not depend on what carries the bytes.
for (const transport of TRANSPORTS) {
  for (const harness of HARNESSES) {
    describe.concurrent(`fault matrix (${transport}): ${harness.vendor}`, () => {
      for (const op of harness.ops) {
        for (const row of ROWS) {
          if (!row.applies(op)) continue;
          it(`${op.label} | ${row.name}`, async ({ expect }) => {
            const run = await play(row, harness, op, transport);
            row.check(expect, run);
            expect(run.elapsedMs, "the call finishes quickly").toBeLessThan(ROW_BUDGET_MS);
          });
        }
      }
    });
  }
}

describe.each(TRANSPORTS)("fault matrix (%s): a short 429 never blocks a client for long", (transport) => {
  it("DFINERY: after 200s with x-ratelimit-remaining 99999 / reset +1 h and one 429 Retry-After: 1, the next calls succeed within seconds", async () => {
    const server = await startFaultServer({ vendor: "dfinery" });
    try {
      const budget = () => ({
        "x-ratelimit-limit": "100000",
        "x-ratelimit-remaining": "99999",
        "x-ratelimit-reset": String(Date.now() + 3_600_000),
      });
      server.script("/api/v1/user-profile", [
        F.ok(budget),
        F.ok(budget),
        F.ok(budget),
        F.retryAfterSeconds(1),
        ...F.times(6, F.ok(budget)),
      ]);
      const client = dfinery.makeClient(server.url, { transport });
      const op = dfinery.ops[0]!;
      for (let i = 0; i < 3; i++) {
        const outcome = await op.invoke(client);
        globalExpect(outcome.type, describeOutcome(outcome)).toBe("ok");
      }
      const started = Date.now();
      for (let i = 0; i < 4; i++) {
        const outcome = await op.invoke(client);
        globalExpect(outcome.type, `call ${i + 4} after the 429: ${describeOutcome(outcome)}`).toBe("ok");
      }
      globalExpect(Date.now() - started, "four calls, one of them waiting out Retry-After: 1").toBeLessThan(4_000);
      globalExpect(server.hits("/api/v1/user-profile")).toBe(8);
    } finally {
      await server.close();
    }
  });
});
