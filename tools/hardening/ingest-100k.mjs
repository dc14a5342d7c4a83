#!/usr/bin/env node
// @ts-check
/**
 * 100,000 events per batching vendor (DFINERY sendEvents, Synerise sendEvents, Kameleoon
 * sendVisitEvents) into a local server that faults ~20% of the requests (429 with Retry-After 0 or
 * a 20 ms reset, 503, reset before headers, reset after storing the batch), then the accounting per
 * vendor. Uses the built vendor packages: run `pnpm build` first, then `pnpm --filter
 * @cdpkit/hardening ingest:100k` (or `node tools/hardening/ingest-100k.mjs`).
 *
 * Options: --events N (default 100000), --seed N, --fault-rate R (default 0.2), --vendor NAME
 * (repeatable; default all three). Exit code 1 when an event is unaccounted for, lost or stored twice.
 */
import { INGEST_VENDORS, runIngest } from "./src/ingest.mjs";

/** @param {string} name @param {string} fallback */
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? /** @type {string} */ (process.argv[i + 1]) : fallback;
}

const events = Number(arg("--events", "100000"));
const seed = Number(arg("--seed", "20240501"));
const faultRate = Number(arg("--fault-rate", "0.2"));
/** @type {import("./src/ingest.mjs").IngestVendor[]} */
const all = /** @type {any} */ (Object.keys(INGEST_VENDORS));
const chosen = process.argv.flatMap((a, i) => (a === "--vendor" ? [process.argv[i + 1]] : []));
const vendors = chosen.length > 0 ? all.filter((v) => chosen.includes(v)) : all;
// Requests of a realistic size: DFINERY's are fixed at 100 events; Synerise and Kameleoon take 500.
const BATCH = 500;

/** @param {number} n */
const fmt = (n) => n.toLocaleString("en-US");

let bad = false;
console.log(`ingest: ${fmt(events)} events per vendor, ~${Math.round(faultRate * 100)}% of requests faulted (seed ${seed})\n`);
for (const vendor of vendors) {
  const s = await runIngest({ vendor, events, seed, faultRate, batchSize: BATCH });
  const reasons = Object.entries(s.failedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${fmt(count)} ${reason}`)
    .join(", ");
  const faults = Object.entries(s.faults)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(", ");
  console.log(`${vendor}`);
  console.log(`  events          ${fmt(s.events)}`);
  console.log(`  accepted        ${fmt(s.accepted)}`);
  console.log(`  failed          ${fmt(s.failed)}${reasons ? ` (${reasons})` : ""}`);
  console.log(`  stored          ${fmt(s.stored)}`);
  console.log(`  stored twice    ${fmt(s.storedTwice)} (under different ids)`);
  console.log(`  lost            ${fmt(s.lost)} (accepted, never stored)`);
  console.log(`  wall time       ${(s.wallMs / 1000).toFixed(2)} s`);
  console.log(`  requests        ${fmt(s.requests)} (faults injected: ${faults || "none"})`);
  if (s.problems.length > 0) {
    bad = true;
    console.log(`  PROBLEMS:\n${s.problems.map((p) => `    - ${p}`).join("\n")}`);
  }
  console.log("");
}
process.exitCode = bad ? 1 : 0;
