// Type-check cost of a vendor's generated types, as a user pays it: a consumer file that creates the
// client and calls a few operations, checked with `tsc --noEmit` against the built package (dist/*.d.ts,
// as installed from npm). DFINERY (6 operations) is the baseline measured in the same run; the figures
// are the median of --runs runs (default 5). Prints seconds, memory, type counts, .d.ts sizes, ratios.
//
//   pnpm --filter @cdpkit/bench typecheck   (after `pnpm build`)
import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const RUNS = Number(args.get("runs") ?? 5);
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
const VENDORS = ["dfinery", "synerise"];

function dtsBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += dtsBytes(full);
    else if (entry.name.endsWith(".d.ts")) total += statSync(full).size;
  }
  return total;
}

async function measure(vendor) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await run(
      process.execPath,
      [tsc, "-p", join(here, "typecheck", `tsconfig.${vendor}.json`), "--extendedDiagnostics"],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const field = (name) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, "m").exec(stdout)?.[1]);
    samples.push({
      total: field("Total time"),
      check: field("Check time"),
      memoryK: field("Memory used"),
      types: field("Types"),
      instantiations: field("Instantiations"),
    });
  }
  const median = (key) => samples.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  const dist = join(here, "..", "packages", vendor, "dist");
  return {
    vendor,
    total: median("total"),
    check: median("check"),
    memoryMB: median("memoryK") / 1024,
    types: median("types"),
    instantiations: median("instantiations"),
    generatedDts: statSync(join(dist, "generated", "openapi.d.ts")).size,
    allDts: dtsBytes(dist),
  };
}

const results = [];
for (const vendor of VENDORS) results.push(await measure(vendor));
const [base] = results;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`tsc --noEmit of a consumer file per vendor (median of ${RUNS} runs, Node ${process.version})\n`);
console.log("vendor     total s  check s  memory MB  types   instantiations  generated .d.ts  all .d.ts   total vs dfinery");
for (const r of results) {
  console.log(
    [
      r.vendor.padEnd(10),
      r.total.toFixed(2).padStart(7),
      r.check.toFixed(2).padStart(8),
      r.memoryMB.toFixed(0).padStart(10),
      String(r.types).padStart(7),
      String(r.instantiations).padStart(16),
      kb(r.generatedDts).padStart(16),
      kb(r.allDts).padStart(10),
      `${(r.total / base.total).toFixed(2)}x`.padStart(18),
    ].join(" "),
  );
}
