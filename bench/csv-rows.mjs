// CSV export bench (issue target 3): DFINERY `rowsFromCsv` typed rows against a raw line split of the same stream,
// and the reader's memory on a 50 MB and a 200 MB export.
//
// Input: the docs' event-export shape (bench/csv-input.mjs), fed as a ReadableStream of 64 KiB byte chunks, as an
// HTTP body arrives. Baseline: decode the same chunks and split them into lines (no cells, no types) — the least
// any reader must do. A third variant also splits each line into cells (the floor of any reader that hands out cell
// strings). Rounds interleave the variants, order rotated; the ratio is the median of per-round
// ratios. Memory: each size is read in a fresh process (peak RSS and heap sampled while reading); the target is
// flat memory: the 200 MB run within 1.2x of the 50 MB run.
//
//   node bench/csv-rows.mjs [--rows=200000] [--rounds=5]      (needs a built @cdpkit/dfinery: pnpm build)
import { fileURLToPath } from "node:url";
import { rowsFromCsv } from "@cdpkit/dfinery/exports";
import { buildInput } from "./csv-input.mjs";
import { runInChild, startPeakSampler } from "./memory.mjs";
import { median, reportVerdicts } from "./verdicts.mjs";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const CHUNK = 64 * 1024;

/** A ReadableStream of `bytes` in CHUNK-byte pieces, `repeat` times over (the header only once). */
function bodyStream(bytes, repeat = 1, headerBytes = 0) {
  let offset = 0;
  let pass = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (offset >= bytes.length) {
          pass++;
          if (pass >= repeat) return controller.close();
          offset = headerBytes;
        }
        const end = Math.min(offset + CHUNK, bytes.length);
        controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, end - offset));
        offset = end;
      },
    },
    { highWaterMark: 0 },
  );
}

async function rawLines(stream) {
  const decoder = new TextDecoder();
  let lines = 0;
  let tail = "";
  for await (const chunk of stream) {
    const parts = (tail + decoder.decode(chunk, { stream: true })).split("\n");
    tail = parts.pop();
    lines += parts.length;
  }
  return lines;
}

// Not a baseline, a floor: what splitting every line into cell strings costs (naive about quotes), before any row
// object or type. The typed rows cannot beat it, so it says how much of the gap to the line split is the cells.
async function rawCells(stream) {
  const decoder = new TextDecoder();
  let lines = 0;
  let cells = 0;
  let tail = "";
  for await (const chunk of stream) {
    const parts = (tail + decoder.decode(chunk, { stream: true })).split("\n");
    tail = parts.pop();
    lines += parts.length;
    for (const line of parts) cells += line.split(",").length;
  }
  return cells > 0 ? lines : 0;
}

async function typedRows(stream) {
  let rows = 0;
  for await (const row of rowsFromCsv(stream)) if (row.df_event_name !== undefined) rows++;
  return rows;
}

if (process.argv.includes("--memory-child")) {
  // One size in its own process: read `repeat` passes of the input, sampling peak memory.
  const repeat = Number(args.get("repeat"));
  const input = buildInput(50_000);
  const headerBytes = input.bytes.indexOf(0x0a) + 1;
  global.gc?.();
  const sampler = startPeakSampler();
  const rows = await typedRows(bodyStream(input.bytes, repeat, headerBytes));
  const { peakRss, peakHeap } = sampler.stop();
  process.send({ rows, mib: (input.bytes.length * repeat) / 2 ** 20, peakRss, peakHeap });
  process.exit(0);
}

const ROWS = Number(args.get("rows") ?? 200_000);
const ROUNDS = Number(args.get("rounds") ?? 5);
const input = buildInput(ROWS);
const mib = input.bytes.length / 2 ** 20;
const variants = { "raw line split": rawLines, "raw line + cell split": rawCells, "rowsFromCsv typed rows": typedRows };
const rates = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const ratios = [];
const floorRatios = [];
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(variants);
  if (round % 2 === 1) names.reverse();
  const perRound = {};
  for (const name of names) {
    const start = process.hrtime.bigint();
    const counted = await variants[name](bodyStream(input.bytes));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (counted < ROWS) throw new Error(`${name}: read ${counted} rows of ${ROWS}`);
    perRound[name] = ROWS / seconds;
    rates[name].push(perRound[name]);
  }
  ratios.push(perRound["rowsFromCsv typed rows"] / perRound["raw line split"]);
  floorRatios.push(perRound["raw line + cell split"] / perRound["raw line split"]);
}

const memory = {};
for (const [label, repeat] of [
  ["~50 MB", 4],
  ["~200 MB", 16],
]) {
  memory[label] = await runInChild(fileURLToPath(import.meta.url), ["--memory-child", `--repeat=${repeat}`]);
}

console.log(`\nCSV export: ${ROWS.toLocaleString("en")} rows x 47 columns (${mib.toFixed(1)} MiB), ${ROUNDS} rounds, 64 KiB chunks`);
console.log("variant                       rows/s");
for (const [name, xs] of Object.entries(rates)) console.log(`${name.padEnd(28)}${Math.round(median(xs)).toString().padStart(9)}`);
const ratio = median(ratios);
const small = memory["~50 MB"];
const large = memory["~200 MB"];
const rssRatio = large.peakRss / small.peakRss;
const heapRatio = large.peakHeap / small.peakHeap;
for (const [label, m] of Object.entries(memory)) {
  console.log(
    `memory ${label.padEnd(8)} ${m.mib.toFixed(0)} MiB read: peak RSS ${(m.peakRss / 2 ** 20).toFixed(0)} MiB, heap ${(m.peakHeap / 2 ** 20).toFixed(0)} MiB`,
  );
}
const typedRate = median(rates["rowsFromCsv typed rows"]);
const rawRate = median(rates["raw line split"]);
reportVerdicts([
  {
    target: "3. CSV typed rows",
    measure: "rowsFromCsv / raw line split",
    value: ratio,
    kind: "min",
    goal: 0.5,
    detail: `${Math.round(typedRate).toLocaleString("en")} vs ${Math.round(rawRate).toLocaleString("en")} rows/s; splitting cells alone: ${median(floorRatios).toFixed(2)}x`,
  },
  {
    target: "3. CSV memory 200/50 MB",
    measure: "peak memory 200 MB export / 50 MB export",
    value: Math.max(rssRatio, heapRatio),
    kind: "max",
    goal: 1.2,
    detail: `RSS ${rssRatio.toFixed(2)}x, heap ${heapRatio.toFixed(2)}x`,
  },
]);
