// CSV tokenizer benchmark: @cdpkit/core's hand-written streaming parser (`parseCsv`, the tokenizer under
// `rowsFromCsv`) against udsv's incremental parser and csv-parse's streaming APIs, all in one run.
//
// Input: ~200,000 rows with the header of DFINERY's event export (47 columns, read from the docs sample in
// packages/dfinery/test/docs-csv.ts), rows shaped like the docs' rows plus, as real exports carry them, quoted cells
// with commas, newlines, doubled quotes (JSON lists such as "[""a"",""b""]") and Korean text. It is fed as a
// ReadableStream of 64 KiB byte chunks, as an HTTP body arrives. Every variant turns it into arrays of cell strings
// (not typed rows) consumed by the same `for await` loop, the shape parseCsv hands to the row builder.
//
// Before timing, every variant must give exactly the cells the generator wrote (row count and a SHA-256 over all
// cells); a mismatch names the first differing row and exits 1. Each library is also run on a few small inputs that
// parseCsv's contract covers (mixed terminators, blank lines, ragged rows, syntax errors, ...) and every difference
// is listed: "identical results" in the rule below means both. Then ROUNDS rounds, every variant once per round,
// the order rotated each round so drift in machine load hits all alike. rows/s is the median over rounds; the ratio
// library / ours is the median of per-round ratios (paired in the same round, steadier on a noisy machine).
//
// Project rule: adopt a library if it is within 10% of ours (ratio >= 0.9) and gives identical results; otherwise keep
// ours and record the figures next to it (packages/core/src/csv.ts, packages/dfinery/README.md).
//
//   node bench/csv.mjs [--rows=200000] [--rounds=7] [--chunk=65536]   (needs a built @cdpkit/core: pnpm build)
import { createHash } from "node:crypto";
import os from "node:os";
import { Readable } from "node:stream";
import { parseCsv } from "@cdpkit/core/csv";
import { parse as csvParseNode } from "csv-parse";
import { buildInput, HEADER, hashRow, makeRowAgain } from "./csv-input.mjs";
import { parse as csvParseWeb } from "csv-parse/stream";
import { inferSchema, initParser } from "udsv";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const ROWS = Number(args.get("rows") ?? 200_000);
const ROUNDS = Number(args.get("rounds") ?? 7);
const CHUNK = Number(args.get("chunk") ?? 64 * 1024);
const TARGET = 0.9;

// ---- input: the docs' event export shape (bench/csv-input.mjs) ---------------------------------------------------

const input = buildInput(ROWS);

/** A fresh ReadableStream of the input in CHUNK-byte pieces, pulled like an HTTP body. */
function bodyStream() {
  let offset = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (offset >= input.bytes.length) return controller.close();
        const end = Math.min(offset + CHUNK, input.bytes.length);
        controller.enqueue(new Uint8Array(input.bytes.buffer, input.bytes.byteOffset + offset, end - offset));
        offset = end;
      },
    },
    { highWaterMark: 0 },
  );
}

// ---- variants: each an async iterable of string[] (header first) -------------------------------------------------

/** udsv as parseCsv would use it: decode each chunk, `parser.chunk(text)`, yield the rows it completed. */
async function* udsvRows(stream) {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let parser = null;
  let out = [];
  const onRow = (row) => {
    out.push(row);
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (parser === null && text.length > 0) {
        const schema = inferSchema(text, { col: ",", row: "\n", encl: '"' });
        parser = initParser(schema);
        out.push(schema.cols.map((c) => c.name)); // udsv consumes the header into the schema
      }
      if (parser !== null) {
        if (text.length > 0) parser.chunk(text, parser.stringArrs, onRow);
        if (done) parser.end();
      }
      const batch = out;
      out = [];
      for (let k = 0; k < batch.length; k++) yield batch[k];
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

// csv-parse configured as close to parseCsv's contract as its options go (no effect on the export CSV's cells).
const CSV_PARSE_OPTIONS = { bom: true, relax_column_count: true, relax_quotes: true, record_delimiter: ["\r\n", "\n", "\r"] };

const variants = {
  "@cdpkit/core parseCsv": (stream) => parseCsv(stream),
  "udsv (incremental)": (stream) => udsvRows(stream),
  "csv-parse (stream.Transform)": (stream) => Readable.fromWeb(stream).pipe(csvParseNode(CSV_PARSE_OPTIONS)),
  "csv-parse/stream (TransformStream)": (stream) => stream.pipeThrough(csvParseWeb(CSV_PARSE_OPTIONS)),
};
const OURS = "@cdpkit/core parseCsv";

// ---- correctness: identical cells, before any timing ---------------------------------------------------------------

async function check(name, make) {
  const hash = createHash("sha256");
  let rows = 0;
  for await (const row of make(bodyStream())) {
    hashRow(hash, row);
    rows++;
  }
  const digest = hash.digest("hex");
  if (rows === input.rows && digest === input.digest) return;
  // Find the first differing row for the report.
  let i = 0;
  for await (const row of make(bodyStream())) {
    const expected = i === 0 ? HEADER : makeRowAgain(i - 1);
    if (JSON.stringify(row) !== JSON.stringify(expected)) {
      throw new Error(`${name}: row ${i} differs\n  got      ${JSON.stringify(row)}\n  expected ${JSON.stringify(expected)}`);
    }
    i++;
  }
  throw new Error(`${name}: ${rows} rows (expected ${input.rows}), digest ${digest} (expected ${input.digest})`);
}

for (const [name, make] of Object.entries(variants)) await check(name, make);

// ---- conformance: parseCsv's documented contract on small inputs (see the head of packages/core/src/csv.ts) ----
// The generated export never has these, but real bodies can, and the row builder relies on each: a library must
// give the same records (or fail where parseCsv fails) to replace the tokenizer without changing what users get.

const EDGE_CASES = {
  "CRLF, LF and bare CR terminators mixed": "a,b\r\n1,2\n3,4\r5,6\n",
  'blank line in the middle yields [""]': "a\n\nb\n",
  "ragged rows kept as they are (row builder names the line)": "a,b,c\n1,2\n1,2,3,4\n",
  "short last row without a newline": "a,b\n1",
  "quote inside an unquoted field kept literally": 'a,b\nx"y,2\n',
  "BOM dropped at the start only": "\uFEFFa,b\n1,\uFEFF2\n",
  "unterminated quote at EOF is an error": 'a,b\n1,"open\n',
  "text after a closing quote is an error": 'a,b\n"x"y,2\n',
};

function streamOfText(text) {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) });
}

async function outcome(make, text) {
  const rows = [];
  try {
    for await (const row of make(streamOfText(text))) rows.push(row);
    return JSON.stringify(rows);
  } catch {
    return "error";
  }
}

const conformance = {};
for (const [name, make] of Object.entries(variants)) {
  conformance[name] = [];
  for (const [label, text] of Object.entries(EDGE_CASES)) {
    const expected = await outcome(variants["@cdpkit/dfinery parseCsv"], text);
    const got = await outcome(make, text);
    if (got !== expected) conformance[name].push(`${label} (got ${got}, parseCsv ${expected})`);
  }
}

// ---- timing --------------------------------------------------------------------------------------------------------

async function measure(make) {
  let rows = 0;
  let cells = 0;
  const start = process.hrtime.bigint();
  for await (const row of make(bodyStream())) {
    rows++;
    cells += row.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (rows !== input.rows || cells !== input.rows * HEADER.length) throw new Error(`lost rows: ${rows} rows, ${cells} cells`);
  return rows / seconds;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const names = Object.keys(variants);
const results = Object.fromEntries(names.map((n) => [n, []]));
for (const make of Object.values(variants)) await measure(make); // warm up every path once more
for (let round = 0; round < ROUNDS; round++) {
  const order = names.map((_, k) => names[(k + round) % names.length]);
  for (const name of order) results[name].push(await measure(variants[name]));
}

// ---- report --------------------------------------------------------------------------------------------------------

const mib = input.bytes.length / 2 ** 20;
console.log(
  `\nCSV tokenizer: ${input.rows.toLocaleString("en")} rows x ${HEADER.length} columns (${mib.toFixed(1)} MiB, DFINERY event export shape), ` +
    `${CHUNK / 1024} KiB chunks from a ReadableStream, ${ROUNDS} rounds (order rotated), median of rounds`,
);
console.log(`node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${new Date().toISOString().slice(0, 10)}`);
console.log("cells identical to the generated CSV for every variant (checked before timing)");
const EDGES = Object.keys(EDGE_CASES).length;
for (const n of names.filter((x) => x !== OURS)) {
  console.log(`${n}: ${EDGES - conformance[n].length}/${EDGES} edge cases as parseCsv`);
  for (const miss of conformance[n]) console.log(`    differs: ${miss}`);
}
console.log("");
const rps = Object.fromEntries(names.map((n) => [n, median(results[n])]));
const ratios = Object.fromEntries(names.map((n) => [n, results[n].map((v, i) => v / results[OURS][i])]));
console.log(`${"variant".padEnd(36)} ${"rows/s".padStart(10)} ${"MiB/s".padStart(7)} ${"vs ours".padStart(8)}  per round`);
for (const n of names) {
  const r = median(ratios[n]);
  console.log(
    `${n.padEnd(36)} ${rps[n].toFixed(0).padStart(10)} ${((rps[n] / input.rows) * mib).toFixed(1).padStart(7)} ${r.toFixed(2).padStart(7)}x  ${ratios[n].map((x) => x.toFixed(2)).join(" ")}`,
  );
}
console.log(
  `\nrule: adopt a library if library/ours >= ${TARGET} (median of per-round ratios) and its results are identical (export CSV and edge cases)`,
);
const adoptable = [];
for (const n of names.filter((x) => x !== OURS)) {
  const r = median(ratios[n]);
  const fast = r >= TARGET;
  const same = conformance[n].length === 0;
  if (fast && same) adoptable.push([n, r]);
  const why = fast
    ? same
      ? "within 10% and identical: adopt"
      : `within 10% but differs on ${conformance[n].length}/${EDGES} edge cases: keep ours`
    : "below 0.9x: keep ours";
  console.log(`  ${n.padEnd(36)} ${r.toFixed(2)}x  ${why}`);
}
adoptable.sort((a, b) => b[1] - a[1]);
console.log(
  adoptable.length === 0
    ? `verdict: keep the hand-written tokenizer; record these figures next to it`
    : `verdict: adopt ${adoptable[0][0]} (${adoptable[0][1].toFixed(2)}x ours, identical results) behind parseCsv's API`,
);
