#!/usr/bin/env node
// Writes the table of a vendor's operations (method, path, summary, evidence) into
// packages/<vendor>/README.md, between `<!-- operations:start -->` and `<!-- operations:end -->`.
// It reads the bundled spec (packages/<vendor>/src/generated/openapi.bundled.yaml) when the vendor has
// one, else specs/<vendor>/openapi.yaml. Output depends only on the spec (sorted rows, no dates), so
// rerunning on an unchanged spec changes nothing; `--check` fails when the committed table and the spec
// disagree, without writing.
import { existsSync, realpathSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const START = "<!-- operations:start -->";
export const END = "<!-- operations:end -->";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/** Evidence levels in the order the counts line lists them; any other value follows, alphabetically. */
const LEVELS = ["docs", "sdk", "traffic", "inferred"];
const NONE = "—";

/** Where a vendor's README and the spec its table is read from live, by convention. */
export function readmePaths(vendor, root = repoRoot) {
  const bundled = join(root, "packages", vendor, "src", "generated", "openapi.bundled.yaml");
  return {
    spec: existsSync(bundled) ? bundled : join(root, "specs", vendor, "openapi.yaml"),
    readme: join(root, "packages", vendor, "README.md"),
  };
}

/** Follows a path item's `$ref` (another file, or a pointer in the same document). */
async function resolvePathItem(item, specPath, doc) {
  if (!item || typeof item.$ref !== "string") return item;
  const [file, pointer = ""] = item.$ref.split("#");
  let node = file ? parseYaml(await readFile(resolve(dirname(specPath), file), "utf8")) : doc;
  for (const part of pointer.split("/").filter(Boolean)) {
    node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return node;
}

/** One table cell: a single line, pipes escaped. */
function cell(text) {
  const line = String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
  return line === "" ? NONE : line.replaceAll("|", "\\|");
}

const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The operations of a spec as `{ method, path, summary, evidence }`, sorted by path then method. */
export async function listOperations(specPath) {
  const doc = parseYaml(await readFile(specPath, "utf8"));
  const operations = [];
  for (const [path, rawItem] of Object.entries(doc?.paths ?? {})) {
    const item = await resolvePathItem(rawItem, specPath, doc);
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const evidence = op["x-cdpkit-evidence"];
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        evidence: typeof evidence === "string" && evidence.trim() !== "" ? evidence.trim() : undefined,
      });
    }
  }
  return operations.sort((a, b) => compare(a.path, b.path) || compare(a.method, b.method));
}

/** "150 operations: 83 docs, 39 sdk, 2 traffic, 26 inferred" (levels with no operation are left out). */
export function countsLine(operations) {
  const counts = new Map();
  for (const op of operations) counts.set(op.evidence ?? NONE, (counts.get(op.evidence ?? NONE) ?? 0) + 1);
  const order = [...LEVELS, ...[...counts.keys()].filter((k) => !LEVELS.includes(k) && k !== NONE).sort(compare), NONE];
  const parts = order
    .filter((level) => counts.has(level))
    .map((level) => `${counts.get(level)} ${level === NONE ? "without evidence" : cell(level)}`);
  const total = `${operations.length} operation${operations.length === 1 ? "" : "s"}`;
  return parts.length > 0 ? `${total}: ${parts.join(", ")}` : total;
}

/**
 * The text that goes between the markers for one spec: a counts line and the table. `label` (the
 * repo-relative spec path) is named in a comment telling readers not to edit the table by hand.
 */
export async function renderTable(specPath, label) {
  const operations = await listOperations(specPath);
  const rows = operations.map(
    (op) => `| ${op.method} | \`${cell(op.path)}\` | ${cell(op.summary)} | ${op.evidence ? cell(op.evidence) : NONE} |`,
  );
  return (
    (label ? `<!-- Generated from ${label} by tools/codegen/readme-table.mjs; run \`pnpm generate\`, do not edit. -->\n` : "") +
    `${countsLine(operations)}\n\n` +
    `| method | path | summary | evidence |\n` +
    `|---|---|---|---|\n` +
    rows.map((row) => `${row}\n`).join("")
  );
}

/** The README with the text between its markers replaced; throws when the markers are missing or misplaced. */
export function replaceBetweenMarkers(readme, table) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start || readme.indexOf(START, start + 1) !== -1 || readme.indexOf(END, end + 1) !== -1) {
    throw new Error(`needs exactly one "${START}" followed by one "${END}"`);
  }
  return `${readme.slice(0, start + START.length)}\n${table}${readme.slice(end)}`;
}

/**
 * Renders (or with check: compares) one vendor's README table.
 * Returns "unchanged" | "written" | "drift".
 */
export async function syncReadme({ spec, readme, check = false, root = repoRoot }) {
  const label = relative(root, spec).split("\\").join("/");
  const current = await readFile(readme, "utf8");
  const next = replaceBetweenMarkers(current, await renderTable(spec, label));
  if (next === current) return "unchanged";
  if (check) return "drift";
  await writeFile(readme, next);
  return "written";
}

async function main(argv) {
  const check = argv.includes("--check");
  const rootArg = argv.find((a) => a.startsWith("--root="));
  const root = rootArg ? resolve(rootArg.slice("--root=".length)) : repoRoot;
  const vendors = argv.filter((a) => !a.startsWith("--"));
  if (vendors.length === 0) {
    console.error("usage: cdpkit-readme-table <vendor>... [--check] [--root=<dir>]");
    process.exitCode = 1;
    return;
  }
  let failed = false;
  for (const vendor of vendors) {
    const paths = readmePaths(vendor, root);
    const readme = relative(root, paths.readme);
    for (const [what, file] of [
      ["spec", paths.spec],
      ["README", paths.readme],
    ]) {
      if (!existsSync(file)) {
        console.error(`cdpkit-readme-table: no ${what} for vendor "${vendor}" at ${relative(root, file)}`);
        failed = true;
      }
    }
    if (!existsSync(paths.spec) || !existsSync(paths.readme)) continue;
    let result;
    try {
      result = await syncReadme({ ...paths, check, root });
    } catch (error) {
      console.error(`cdpkit-readme-table: ${readme} ${error.message}`);
      failed = true;
      continue;
    }
    if (result === "drift") {
      failed = true;
      console.error(
        `cdpkit-readme-table: the operations table in ${readme} does not match ${relative(root, paths.spec)}. ` +
          "Run `pnpm generate` and commit the result.",
      );
    } else {
      console.log(`cdpkit-readme-table: ${readme} ${result}`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
