// The per-vendor reference page: a docs-only copy of the spec the mock serves, with each operation's
// evidence level made visible (a badge and a line at the top of its description), rendered by Redocly
// into one self-contained HTML file. The spec itself is never changed.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

const require = createRequire(import.meta.url);
const redoclyBin = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** What each level of `x-cdpkit-evidence` rests on (the wording of the vendor READMEs). */
export const EVIDENCE_LEVELS = {
  docs: "documented in the vendor's API reference",
  sdk: "taken from the vendor's own SDKs or generated clients",
  traffic: "seen in the requests of the vendor's own SDKs",
  inferred: "a reading of the docs text, unconfirmed: treat with care",
};
const BADGE_COLOURS = { docs: "#1f7a3a", sdk: "#1d5fa8", traffic: "#8a5a00", inferred: "#b3261e" };
const UNRECORDED = "not recorded";

/** The text shown at the top of an operation's description; the browser test looks for it. */
export function evidenceLine(level, note) {
  const meaning = EVIDENCE_LEVELS[level];
  const head = `**Evidence: ${level ?? UNRECORDED}**${meaning ? ` (${meaning})` : ""}`;
  return note ? `${head}. ${note}` : `${head}.`;
}

/** Every operation of a parsed (bundled) spec as `{ method, path, operation }`. */
export function operationsOf(doc) {
  const found = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (item && typeof item.$ref === "string") {
      throw new Error(`reference copy: path ${path} is a $ref; render a bundled spec (pnpm generate bundles split specs)`);
    }
    for (const method of METHODS) if (item?.[method]) found.push({ method: method.toUpperCase(), path, operation: item[method] });
  }
  return found;
}

/**
 * The docs-only copy: each operation gets an `x-badges` entry and an evidence line before its own
 * description; the API description gets a legend of the levels. Returns the copy and its operations.
 */
export function withVisibleEvidence(doc) {
  const copy = structuredClone(doc);
  const operations = operationsOf(copy).map(({ method, path, operation }) => {
    const level = typeof operation["x-cdpkit-evidence"] === "string" ? operation["x-cdpkit-evidence"].trim() || undefined : undefined;
    const note = operation["x-cdpkit-evidence-note"];
    operation["x-badges"] = [
      ...(operation["x-badges"] ?? []),
      { name: `evidence: ${level ?? UNRECORDED}`, color: BADGE_COLOURS[level] ?? "#555555" },
    ];
    const line = evidenceLine(level, typeof note === "string" ? note.trim() : undefined);
    operation.description = operation.description ? `${line}\n\n${operation.description}` : line;
    return { method, path, summary: operation.summary, evidence: level ?? UNRECORDED };
  });
  const legend = Object.entries(EVIDENCE_LEVELS)
    .map(([level, meaning]) => `- \`${level}\`: ${meaning}`)
    .join("\n");
  copy.info = {
    ...copy.info,
    description: `${copy.info?.description ?? ""}\n\n## Evidence levels\n\nEach operation is badged with the evidence behind it (\`x-cdpkit-evidence\` in the spec):\n\n${legend}\n`,
  };
  return { copy, operations };
}

function run(command, args, options) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolveRun(output) : reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`))));
  });
}

/**
 * Writes `<outFile>` for one vendor from `specPath`. `workDir` holds the docs-only copy; `faviconHref` is
 * the site's icon relative to the page.
 * Returns the operations with their evidence, as rendered.
 */
export async function buildReference({ vendor, specPath, workDir, outFile, faviconHref }) {
  const doc = parseYaml(await readFile(specPath, "utf8"));
  const { copy, operations } = withVisibleEvidence(doc);
  await mkdir(workDir, { recursive: true });
  await mkdir(dirname(outFile), { recursive: true });
  const copyPath = join(workDir, `${vendor}.openapi.yaml`);
  await writeFile(copyPath, stringifyYaml(copy, { lineWidth: 0 }));
  // --inlineBundle: the page carries Redoc itself, so it loads nothing from outside (the browser test checks).
  await run(
    process.execPath,
    [redoclyBin, "build-docs", copyPath, "--inlineBundle", "-o", outFile, "--title", `${copy.info.title} — reference`],
    {
      cwd: workDir,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
    },
  );
  await writeFile(outFile, selfContained(await readFile(outFile, "utf8"), faviconHref));
  return { title: copy.info.title, version: copy.info.version, operations };
}

// Redoc's "API docs by Redocly" attribution loads its logo from Redocly's CDN, which an offline reader
// (and CI) cannot reach: the browser logs a failed request. The attribution stays; its logo is a local
// image of the same words.
const REDOCLY_LOGO_URLS = ["https://cdn.redoc.ly/redoc/logo-mini-full.svg", "https://cdn.redoc.ly/redoc/logo-mini.svg"];
const LOCAL_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16"><text x="0" y="12" font-family="sans-serif" font-size="12" fill="#0044d4">Redocly</text></svg>',
)}`;

/** The page with no request outside the site: local attribution logo, a site favicon (else the browser asks for /favicon.ico). */
export function selfContained(html, faviconHref) {
  let page = html.replace("<head>", `<head><link rel="icon" href="${faviconHref}">`);
  for (const url of REDOCLY_LOGO_URLS) page = page.replaceAll(url, LOCAL_LOGO);
  const remaining = page.match(/https:\/\/cdn\.redoc\.ly[^`"')\s]*/);
  if (remaining) throw new Error(`reference page: Redoc loads ${remaining[0]} from a CDN; make it local in selfContained()`);
  if (!page.includes(faviconHref)) throw new Error("reference page: no <head> to put the favicon in");
  return page;
}
