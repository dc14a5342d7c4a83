// `pnpm bench`: every figure of issue 13, each section in its own process (one section's imports and
// garbage cannot move another's figures), then one table of verdicts. Exits 1 when a target is missed.
// Each section also runs alone: `node bench/<section>.mjs` (see its header for options).
//
//   node bench/run.mjs [--only=requests,bundle]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatVerdict, VERDICT_TAG, verdictMet } from "./verdicts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const only = args.get("only")?.split(",");

/** In issue 13's order: requests, batch ingest, CSV export, bundle, cold start, type-check. */
const SECTIONS = ["requests", "ingest", "csv-rows", "bundle", "cold-start", "typecheck"].filter((s) => !only || only.includes(s));

/** Runs one section, passing its output through, and returns its verdicts (none if it crashed). */
function runSection(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, `${name}.mjs`)], { cwd: here, stdio: ["ignore", "pipe", "inherit"] });
    let verdicts;
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      const lines = (pending + text).split("\n");
      pending = lines.pop();
      for (const line of lines) {
        if (line.startsWith(VERDICT_TAG)) verdicts = JSON.parse(line.slice(VERDICT_TAG.length));
        else console.log(line);
      }
    });
    child.on("close", (code) => {
      if (pending) console.log(pending);
      resolve({ code, verdicts });
    });
  });
}

const all = [];
const started = Date.now();
for (const name of SECTIONS) {
  console.log(`\n=== ${name} ===`);
  if (!existsSync(join(here, `${name}.mjs`))) {
    all.push({ target: name, measure: "section missing", value: NaN, kind: "min", goal: 0 });
    continue;
  }
  const { code, verdicts } = await runSection(name);
  if (verdicts === undefined) {
    all.push({ target: name, measure: `section exited ${code} before its verdicts`, value: NaN, kind: "min", goal: 0 });
  } else all.push(...verdicts);
}

console.log(`\n=== issue 13 targets (${((Date.now() - started) / 1000).toFixed(0)} s, Node ${process.version}) ===`);
for (const verdict of all) console.log(formatVerdict(verdict));
const missed = all.filter((v) => !verdictMet(v)).length;
console.log(missed === 0 ? "\nevery target met" : `\n${missed} of ${all.length} target(s) missed`);
process.exitCode = missed === 0 ? 0 : 1;
