#!/usr/bin/env node
// Extracts every JSON sample of the Synerise reference (seed 003, a text dump of the Redoc page) into
// samples.json, grouped by the operation they belong to. The dump has no headings, so operations are
// delimited by the docs line each starts on, taken from the team's inventory of the page
// (vendor-notes/synerise-inventory.md: "| # | docs line | summary | method | path | evidence | permission |").
//
//   node packages/synerise/test/docs/extract.mjs ../shared/seeds/003_a8ab74daee4e49bf.txt \
//        ../shared/vendor-notes/synerise-inventory.md > packages/synerise/test/docs/samples.json
//
// Redoc prints JSON with a "- " before every member ("{- \"a\": 1,\n- \"b\": [\n- {...}"), which is
// removed before parsing; a sample that still does not parse is kept as text with its parse error so
// the test reports it rather than losing it.
import { readFileSync } from "node:fs";

const [seedPath, inventoryPath] = process.argv.slice(2);
if (!seedPath || !inventoryPath) {
  console.error("usage: extract.mjs <seed 003 text> <synerise-inventory.md>");
  process.exit(2);
}
const lines = readFileSync(seedPath, "utf8").split("\n");
const ops = [];
for (const row of readFileSync(inventoryPath, "utf8").split("\n")) {
  const m = /^\| (\d+) \| (\d+) \| (.*?) \| (.*?) \| `(.*?)` \| (.*?) \| (.*?) \|$/.exec(row);
  if (m) ops.push({ op: Number(m[1]), line: Number(m[2]), summary: m[3], method: m[4], path: m[5], evidence: m[6], permission: m[7] });
}
ops.sort((a, b) => a.line - b.line);

/** Redoc's "- " member markers: at a line start, and after "}, " / "], " on one line. */
function unredoc(text) {
  return text
    .split("\n")
    .map((l) => l.replace(/^([{[] ?)?- /, "$1").replace(/([}\]]), - /g, "$1, "))
    .join("\n");
}

function isSampleStart(l) {
  return /^(\{- |\[- |\{ \}$|\[ \]$|"[^"]*"$|true$|false$|-?\d+(\.\d+)?$)/.test(l);
}

/** Reads one sample starting at index i; returns [text, next index]. */
function readSample(i) {
  const first = lines[i];
  if (!/^[{[]/.test(first) || first === "{ }" || first === "[ ]") return [first, i + 1];
  let depth = 0;
  let inString = false;
  let escaped = false;
  const out = [];
  for (let j = i; j < lines.length; j++) {
    out.push(lines[j]);
    for (const ch of lines[j]) {
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") depth--;
    }
    if (depth <= 0 && !inString) return [out.join("\n"), j + 1];
  }
  return [out.join("\n"), lines.length];
}

const result = [];
for (let k = 0; k < ops.length; k++) {
  const start = ops[k].line; // 1-based
  const end = k + 1 < ops.length ? ops[k + 1].line - 1 : lines.length;
  const samples = [];
  let curl;
  for (let i = start - 1; i < end; ) {
    const l = lines[i];
    if (l.startsWith("curl ")) curl ??= l;
    if (isSampleStart(l)) {
      const [text, next] = readSample(i);
      const sample = { line: i + 1 };
      try {
        sample.value = JSON.parse(unredoc(text));
      } catch (error) {
        sample.text = text;
        sample.parseError = String(error.message);
      }
      samples.push(sample);
      i = next;
    } else i++;
  }
  result.push({ ...ops[k], endLine: end, ...(curl ? { curl } : {}), samples });
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
