// Cold start (issue 13 target 5): in a fresh Node process, import @cdpkit/dfinery and create a client,
// against importing openapi-fetch alone. Each sample is its own child process; the variants alternate
// (order reversed every other pair) so both see the same machine. Two figures per process:
//   ready: ms from the process's start (performance.timeOrigin) until the import (and create) is done:
//          what a short-lived process or a serverless cold start waits for, Node's own start included;
//   import: ms of the import (and create) alone.
// Verdict: median ready of the client / median ready of openapi-fetch alone <= 1.3x.
//
//   node bench/cold-start.mjs [--samples=21]
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { median, reportVerdicts } from "./verdicts.mjs";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const SAMPLES = Number(args.get("samples") ?? 21);

const PROGRAMS = {
  "openapi-fetch alone": `const t0 = performance.now(); await import("openapi-fetch");`,
  "@cdpkit/dfinery + client": `const t0 = performance.now(); const { createDfineryClient } = await import("@cdpkit/dfinery"); createDfineryClient({ serviceId: "svc", importToken: "token" });`,
};
const REPORT = `process.stdout.write(JSON.stringify({ ready: performance.now(), import: performance.now() - t0 }));`;

async function sample(name) {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", `${PROGRAMS[name]} ${REPORT}`], { cwd: here });
  return JSON.parse(stdout);
}

const names = Object.keys(PROGRAMS);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (const name of names) await sample(name); // warm the file system cache
for (let i = 0; i < SAMPLES; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) samples[name].push(await sample(name));
}

console.log(`\ncold start: ${SAMPLES} fresh processes per variant, alternating; median ms (Node ${process.version})`);
console.log(`${"variant".padEnd(28)} ${"ready".padStart(8)} ${"import".padStart(8)}`);
const figures = {};
for (const name of names) {
  figures[name] = { ready: median(samples[name].map((s) => s.ready)), import: median(samples[name].map((s) => s.import)) };
  console.log(`${name.padEnd(28)} ${figures[name].ready.toFixed(1).padStart(8)} ${figures[name].import.toFixed(1).padStart(8)}`);
}
const [base, client] = names.map((n) => figures[n]);
reportVerdicts([
  {
    target: "5. cold start",
    measure: "client ready / openapi-fetch ready (fresh process)",
    value: client.ready / base.ready,
    kind: "max",
    goal: 1.3,
    detail: `${client.ready.toFixed(1)} vs ${base.ready.toFixed(1)} ms from process start; import alone ${client.import.toFixed(1)} vs ${base.import.toFixed(1)} ms`,
  },
]);
