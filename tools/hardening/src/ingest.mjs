// @ts-check
/**
 * The ingest driver shared by test/ingest.test.ts (a few thousand events per vendor) and
 * ingest-100k.mjs (100,000 per vendor): a local server that stores events by their dedup id and
 * injects faults by a seeded PRNG, the vendor's batch helper sending into it, and the accounting
 * that checks every event ended accepted (and stored) or failed with a reason.
 *
 * Plain JavaScript (type-checked through JSDoc) so that a node script can import it after
 * `pnpm build` without a TypeScript loader.
 */
import { createServer } from "node:http";
import { createDfineryClient } from "@cdpkit/dfinery";
import { createKameleoonClient } from "@cdpkit/kameleoon";
import { createSyneriseClient } from "@cdpkit/synerise";

/** @typedef {"dfinery" | "synerise" | "kameleoon"} IngestVendor */
/** @typedef {"429-retry-after-0" | "429-tiny-reset" | "503" | "reset-before-headers" | "reset-after-store"} IngestFault */

/** The batching vendors and the path their helper posts to. */
export const INGEST_VENDORS = /** @type {const} */ ({
  dfinery: "/api/v1/events",
  synerise: "/v4/events/batch",
  kameleoon: "/visit/events",
});

/** @type {readonly IngestFault[]} */
export const INGEST_FAULTS = ["429-retry-after-0", "429-tiny-reset", "503", "reset-before-headers", "reset-after-store"];

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same fault sequence.
 * @param {number} seed
 * @returns {() => number} values in [0, 1)
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The events of one request as the server reads them: dedup id and the input position (`seq`) the
 * driver planted in each event.
 * @param {IngestVendor} vendor
 * @param {string} body
 * @returns {{ id: string, seq: number }[]}
 */
export function parseStoredEvents(vendor, body) {
  /** @type {{ id: string, seq: number }[]} */
  const out = [];
  if (vendor === "kameleoon") {
    // The line format: one URL query string per event.
    for (const line of body.split("\n")) {
      if (line.trim() === "") continue;
      const params = new URLSearchParams(line);
      out.push({ id: params.get("nonce") ?? "", seq: Number(params.get("seq")) });
    }
    return out;
  }
  const parsed = JSON.parse(body);
  if (vendor === "dfinery") {
    for (const e of parsed.events ?? []) out.push({ id: String(e.event_log_id ?? ""), seq: Number(e.event_properties?.seq) });
  } else {
    for (const e of parsed) out.push({ id: String(e.eventSalt ?? ""), seq: Number(e.params?.seq) });
  }
  return out;
}

/**
 * @typedef {object} IngestServer
 * @property {string} url
 * @property {Map<string, number>} stored dedup id -> seq
 * @property {Map<number, Set<string>>} idsBySeq seq -> every dedup id it was stored under
 * @property {number} requests requests to the events path
 * @property {Record<string, number>} faults injected faults by kind
 * @property {() => Promise<void>} close
 */

/**
 * @param {{ vendor: IngestVendor, seed: number, faultRate: number }} options
 * @returns {Promise<IngestServer>}
 */
export async function startIngestServer({ vendor, seed, faultRate }) {
  const random = seededRandom(seed);
  const eventsPath = INGEST_VENDORS[vendor];
  /** @type {Map<string, number>} */
  const stored = new Map();
  /** @type {Map<number, Set<string>>} */
  const idsBySeq = new Map();
  /** @type {Record<string, number>} */
  const faults = {};
  const state = { requests: 0 };

  /** @param {string} body */
  const store = (body) => {
    for (const { id, seq } of parseStoredEvents(vendor, body)) {
      stored.set(id, seq);
      let ids = idsBySeq.get(seq);
      if (!ids) idsBySeq.set(seq, (ids = new Set()));
      ids.add(id);
    }
  };
  /** @param {import("node:http").ServerResponse} res */
  const success = (res) => {
    if (vendor === "dfinery") {
      const body = JSON.stringify({ status: true, code: 20000, message: "OK" });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      return void res.end(body);
    }
    // Synerise: 202 Accepted, no body; Kameleoon: 204.
    res.writeHead(vendor === "synerise" ? 202 : 204, { "content-length": "0" });
    res.end();
  };
  /**
   * @param {import("node:http").ServerResponse} res
   * @param {number} status
   * @param {unknown} body
   * @param {Record<string, string>} [headers]
   */
  const json = (res, status, body, headers = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const body = Buffer.concat(chunks).toString("utf8");
      if (vendor === "synerise" && path === "/v4/auth/login/profile") {
        const part = (/** @type {object} */ o) => Buffer.from(JSON.stringify(o)).toString("base64url");
        return json(res, 200, { token: `${part({ alg: "RS512" })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln` });
      }
      if (req.method !== "POST" || path !== eventsPath) return json(res, 404, { message: `no route ${req.method} ${path}` });
      state.requests++;
      /** @type {IngestFault | undefined} */
      let fault;
      if (random() < faultRate) fault = INGEST_FAULTS[Math.floor(random() * INGEST_FAULTS.length)];
      if (fault) faults[fault] = (faults[fault] ?? 0) + 1;
      switch (fault) {
        case "429-retry-after-0":
          return json(res, 429, { status: false, code: 40401, message: "TOO_MANY_REQUEST" }, { "retry-after": "0" });
        case "429-tiny-reset":
          return json(
            res,
            429,
            { status: false, code: 40401, message: "TOO_MANY_REQUEST" },
            {
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset": String(Date.now() + 20),
            },
          );
        case "503":
          return json(res, 503, { message: "try again" });
        case "reset-before-headers":
          return void req.socket.destroy();
        case "reset-after-store":
          // Applied, but the answer is lost: a re-send must carry the same ids.
          store(body);
          return void req.socket.destroy();
        default:
          store(body);
          return success(res);
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    stored,
    idsBySeq,
    get requests() {
      return state.requests;
    },
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * The client under test, with small retry delays; per-call timeouts bound every request so a blocked
 * client shows up as failed events instead of a hang.
 * @param {IngestVendor} vendor
 * @param {string} baseUrl
 */
export function createIngestClient(vendor, baseUrl) {
  const common = { baseUrl, retry: { baseDelayMs: 1, maxDelayMs: 5 }, timeoutMs: 5_000, totalTimeoutMs: 15_000 };
  switch (vendor) {
    case "dfinery":
      return createDfineryClient({ serviceId: "svc-ingest", importToken: "ingest-import-token", ...common });
    case "synerise":
      return createSyneriseClient({ auth: { type: "workspace", apiKey: "ingest-api-key" }, ...common });
    case "kameleoon":
      return createKameleoonClient({ siteCode: "ingest-site", ...common });
  }
}

/**
 * @typedef {object} Accounted
 * @property {number} seq input position
 * @property {string} id dedup id as sent
 * @property {string} [reason] failed only
 * @property {unknown} [error] failed only
 */

/** @param {unknown} error */
export function reasonOf(error) {
  if (!(error instanceof Error)) return `no error (${String(error)})`;
  const e = /** @type {Error & { status?: number, phase?: string, vendorCode?: unknown }} */ (error);
  const parts = [e.name];
  if (e.status !== undefined) parts.push(String(e.status));
  if (e.phase !== undefined) parts.push(e.phase);
  if (e.vendorCode === "client_rate_limit") parts.push("client_rate_limit");
  return parts.join(" ");
}

/**
 * Sends `n` events through the vendor's batch helper and returns the report as seq/id pairs.
 * @param {IngestVendor} vendor
 * @param {any} client
 * @param {number} n
 * @param {{ batchSize: number }} options
 * @returns {Promise<{ accepted: Accounted[], failed: Accounted[] }>}
 */
export async function sendAll(vendor, client, n, { batchSize }) {
  const seqs = Array.from({ length: n }, (_, i) => i);
  if (vendor === "dfinery") {
    // DFINERY's batches are fixed by its limits (100 events / 100 items per request).
    const events = seqs.map((seq) => ({ event_name: "df_page_view", event_properties: { seq } }));
    /** @type {import("@cdpkit/dfinery").SendEventsReport} */
    const report = await client.sendEvents({ external_id: "ingest-user" }, events, { concurrency: 2 });
    return accountFor(report, seqs, "event_log_id");
  }
  if (vendor === "synerise") {
    const events = seqs.map((seq) => ({
      label: "ingest",
      type: "custom",
      action: "ingest.event",
      client: { customId: "ingest-user" },
      params: { seq },
    }));
    /** @type {import("@cdpkit/synerise").SendEventsReport} */
    const report = await client.sendEvents(events, { maxEventsPerBatch: batchSize, concurrency: 2 });
    return accountFor(report, seqs, "eventSalt");
  }
  // Kameleoon: the line format; a line is ~90 bytes, so the body limit sets the batch size.
  const events = seqs.map((seq) => ({ eventType: "CONVERSION", visitorCode: "ingest-visitor", goalId: 1, seq }));
  /** @type {import("@cdpkit/kameleoon").SendEventsReport<import("@cdpkit/kameleoon").VisitEvent>} */
  const report = await client.sendVisitEvents(events, { maxBodyBytes: batchSize * 90 });
  return accountFor(report, seqs, "nonce");
}

/**
 * Every event of a batch report (core's one shape for all vendors) by its sequence number and the
 * dedup id the client filled in.
 * @param {import("@cdpkit/core").BatchReport<any>} report
 * @param {number[]} seqs
 * @param {string} idField
 */
function accountFor(report, seqs, idField) {
  return {
    accepted: (report.acceptedItems ?? []).map((a) => ({ seq: Number(seqs[a.position]), id: String(a.item[idField]) })),
    failed: report.failed.map((f) => ({
      seq: Number(seqs[f.position]),
      id: String(/** @type {any} */ (f.item)?.[idField]),
      reason: reasonOf(f.error),
      error: f.error,
    })),
  };
}

/**
 * @typedef {object} IngestSummary
 * @property {IngestVendor} vendor
 * @property {number} events
 * @property {number} accepted
 * @property {number} failed
 * @property {Record<string, number>} failedByReason
 * @property {number} stored distinct input events the server stored
 * @property {number} storedTwice input events stored under two or more different dedup ids
 * @property {number} lost accepted events the server never stored
 * @property {number} wallMs
 * @property {number} requests requests that reached the events path
 * @property {Record<string, number>} faults injected faults by kind
 * @property {string[]} problems accounting violations (empty when every event is accounted for)
 */

/**
 * Checks the report against the input and the server's store.
 * @param {IngestVendor} vendor
 * @param {number} n
 * @param {{ accepted: Accounted[], failed: Accounted[] }} result
 * @param {IngestServer} server
 * @param {number} wallMs
 * @returns {IngestSummary}
 */
export function account(vendor, n, result, server, wallMs) {
  /** @type {string[]} */
  const problems = [];
  const { accepted, failed } = result;
  if (accepted.length + failed.length !== n) problems.push(`accepted ${accepted.length} + failed ${failed.length} != ${n} events`);
  const seen = new Set();
  for (const entry of [...accepted, ...failed]) {
    if (!Number.isInteger(entry.seq) || entry.seq < 0 || entry.seq >= n) problems.push(`position ${entry.seq} is not an input position`);
    else if (seen.has(entry.seq)) problems.push(`position ${entry.seq} reported twice`);
    seen.add(entry.seq);
  }
  let lost = 0;
  for (const a of accepted) {
    if (server.stored.get(a.id) !== a.seq) {
      lost++;
      if (lost <= 5) problems.push(`accepted event ${a.seq} (id ${a.id}) was never stored`);
    }
  }
  if (lost > 5) problems.push(`... ${lost} accepted events never stored in all`);
  let withoutError = 0;
  /** @type {Record<string, number>} */
  const failedByReason = {};
  for (const f of failed) {
    if (!(f.error instanceof Error)) withoutError++;
    const reason = f.reason ?? "no reason";
    failedByReason[reason] = (failedByReason[reason] ?? 0) + 1;
  }
  if (withoutError > 0) problems.push(`${withoutError} failed events carry no error`);
  let storedTwice = 0;
  for (const [seq, ids] of server.idsBySeq) {
    if (ids.size > 1) {
      storedTwice++;
      if (storedTwice <= 5) problems.push(`event ${seq} stored under ${ids.size} different ids`);
    }
  }
  if (storedTwice > 5) problems.push(`... ${storedTwice} events stored under different ids in all`);
  return {
    vendor,
    events: n,
    accepted: accepted.length,
    failed: failed.length,
    failedByReason,
    stored: server.idsBySeq.size,
    storedTwice,
    lost,
    wallMs,
    requests: server.requests,
    faults: { ...server.faults },
    problems,
  };
}

/**
 * One vendor, `events` events, `faultRate` of the requests faulted by a PRNG seeded with `seed`.
 * @param {{ vendor: IngestVendor, events: number, seed?: number, faultRate?: number, batchSize?: number }} options
 * @returns {Promise<IngestSummary>}
 */
export async function runIngest({ vendor, events, seed = 20_240_501, faultRate = 0.2, batchSize = 50 }) {
  const server = await startIngestServer({ vendor, seed, faultRate });
  try {
    const client = createIngestClient(vendor, server.url);
    const started = Date.now();
    const result = await sendAll(vendor, client, events, { batchSize });
    return account(vendor, events, result, server, Date.now() - started);
  } finally {
    await server.close();
  }
}
