// Section 6 of `pnpm bench` (issue 13 target 6): type-check cost as a user pays it. A consumer file that
// creates the Synerise client and makes ten calls (typecheck/synerise.ts), against the same calls on bare
// openapi-fetch over the same generated paths (typecheck/synerise-bare.ts), each checked with
// `tsc --noEmit` against the built package (dist/*.d.ts, as installed from npm). The two alternate, order
// reversed every other run; the verdict is the median of per-run ratios of tsc's total time.
// DFINERY's consumer (typecheck/dfinery.ts) is shown alongside for scale.
//
//   node bench/typecheck.mjs [--runs=5]     (after `pnpm build`)
import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { median, reportVerdicts } from "./verdicts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const RUNS = Number(args.get("runs") ?? 5);
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
/** Consumer files (typecheck/tsconfig.<name>.json) and the package whose declarations they load. */
const CONSUMERS = { synerise: "synerise", "synerise-bare": "synerise", dfinery: "dfinery" };

function dtsBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += dtsBytes(full);
    else if (entry.name.endsWith(".d.ts")) total += statSync(full).size;
  }
  return total;
}

async function checkOnce(consumer) {
  const { stdout } = await run(
    process.execPath,
    [tsc, "-p", join(here, "typecheck", `tsconfig.${consumer}.json`), "--extendedDiagnostics"],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const field = (name) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, "m").exec(stdout)?.[1]);
  return {
    total: field("Total time"),
    check: field("Check time"),
    memoryK: field("Memory used"),
    types: field("Types"),
    instantiations: field("Instantiations"),
  };
}

const names = Object.keys(CONSUMERS);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) samples[name].push(await checkOnce(name));
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`\ntsc --noEmit of a consumer file (median of ${RUNS} runs, alternating, Node ${process.version})`);
console.log("consumer        total s  check s  memory MB  types   instantiations  generated .d.ts  all .d.ts");
for (const name of names) {
  const m = (key) => median(samples[name].map((s) => s[key]));
  const dist = join(here, "..", "packages", CONSUMERS[name], "dist");
  console.log(
    [
      name.padEnd(15),
      m("total").toFixed(2).padStart(7),
      m("check").toFixed(2).padStart(8),
      (m("memoryK") / 1024).toFixed(0).padStart(10),
      String(m("types")).padStart(7),
      String(m("instantiations")).padStart(16),
      kb(statSync(join(dist, "generated", "openapi.d.ts")).size).padStart(16),
      kb(dtsBytes(dist)).padStart(10),
    ].join(" "),
  );
}
const perRun = samples.synerise.map((s, i) => s.total / samples["synerise-bare"][i].total);
const ratioOf = (key) => median(samples.synerise.map((s) => s[key])) / median(samples["synerise-bare"].map((s) => s[key]));
reportVerdicts([
  {
    target: "6. type-check",
    measure: "Synerise client / bare openapi-fetch (tsc total)",
    value: median(perRun),
    kind: "max",
    goal: 1.1,
    // Check time alone and the instantiation count (the same in every run) show the client's own share.
    detail: `runs: ${perRun.map((r) => r.toFixed(2)).join(" ")}; check time ${ratioOf("check").toFixed(2)}x, instantiations ${ratioOf("instantiations").toFixed(2)}x`,
  },
]);
