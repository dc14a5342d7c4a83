// Section 4 of `pnpm bench` (issue 13 target 4): what a browser app pays for the client. Two apps, bundled
// by esbuild for the browser, minified, code-split as an app bundler does by default:
//   openapi-fetch alone: createClient<paths>() and one call;
//   client: createDfineryClient() and the same call.
// Measured: the JS the page loads before the app runs (the entry chunk and the chunks it imports
// statically; chunks behind a dynamic import() load only when a helper is first called), min+gzip.
// Verdicts: client minus openapi-fetch alone <= 8 kB, and no helper module (events, exports, CSV, batch,
// paginate) in what the page loads.
//
//   node bench/bundle.mjs     (after `pnpm build`)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { loadedFirst, sourceOfDistFile } from "../scripts/build-facts.mjs";
import { reportVerdicts } from "./verdicts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CALL = `.GET("/api/v1/users/{user_id}", { params: { path: { user_id: "u" } } }).then(({ data }) => console.log(data))`;
const APPS = {
  "openapi-fetch alone": `import createClient from "openapi-fetch";\ncreateClient({ baseUrl: "https://openapi.dfinery.ai" })${CALL};`,
  "DFINERY client": `import { createDfineryClient } from "@cdpkit/dfinery";\ncreateDfineryClient({ serviceId: "svc", importToken: "token" })${CALL};`,
};
/** Modules of the helpers an app that makes one call does not use. */
const HELPERS = /(?:^|\/)(?:events|exports|export-rows|csv|csv-rows|batch|paginate)\.js$/;

/**
 * Bundles `code` as an app would; returns the JS the page loads first, and which source modules it holds.
 * `fromSource`: resolve @cdpkit packages to their TypeScript sources instead of the published dist
 * (same code; dist holds it in a few chunk files, which hides what each module costs).
 */
async function bundleApp(name, code, fromSource) {
  const slug = name.replace(/\W+/g, "-");
  const entry = join(here, `.bundle-app-${slug}.mjs`);
  writeFileSync(entry, code);
  const outdir = join(work, `${slug}${fromSource ? "-src" : ""}`);
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      minify: true,
      outdir,
      metafile: true,
      write: true,
      absWorkingDir: here,
      logLevel: "error",
      plugins: fromSource ? [sourcesOfWorkspacePackages] : [],
    });
    const outputs = result.metafile.outputs;
    const loaded = loadedFirst(outputs);
    let min = 0;
    let gzip = 0;
    const inputs = [];
    for (const out of loaded) {
      const bytes = readFileSync(join(here, out));
      min += bytes.length;
      gzip += gzipSync(bytes).length;
      for (const [input, { bytesInOutput }] of Object.entries(outputs[out].inputs)) {
        if (bytesInOutput > 0) inputs.push([relative(dirname(here), join(here, input)).replace(/^.*node_modules\//, ""), bytesInOutput]);
      }
    }
    return { min, gzip, inputs: inputs.sort((a, b) => b[1] - a[1]) };
  } finally {
    rmSync(entry, { force: true });
  }
}

/** @cdpkit/<name>[/<subpath>] (through the package's exports map) and core's #node-transport (as a browser gets it) to their sources. */
const sourcesOfWorkspacePackages = {
  name: "cdpkit-sources",
  setup(build) {
    const packages = join(dirname(here), "packages");
    build.onResolve({ filter: /^@cdpkit\/[a-z]+(\/[a-z-]+)?$/ }, ({ path }) => {
      const [, name, sub] = /^@cdpkit\/([a-z]+)(?:\/([a-z-]+))?$/.exec(path);
      const { exports } = JSON.parse(readFileSync(join(packages, name, "package.json"), "utf8"));
      const dist = exports[sub ? `./${sub}` : "."].default;
      return { path: join(packages, name, sourceOfDistFile(dist)) };
    });
    build.onResolve({ filter: /^#node-transport$/ }, () => ({ path: join(packages, "core", "src", "node-transport-unavailable.ts") }));
  },
};

const work = mkdtempSync(join(tmpdir(), "cdpkit-bundle-"));
const sizes = {};
let attribution;
try {
  for (const [name, code] of Object.entries(APPS)) sizes[name] = await bundleApp(name, code, false);
  attribution = await bundleApp("DFINERY client", APPS["DFINERY client"], true);
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`\nbundle: esbuild, browser, minified, code-split; JS loaded before the app runs`);
console.log(`${"app".padEnd(22)} ${"min".padStart(9)} ${"min+gzip".padStart(9)}`);
for (const [name, s] of Object.entries(sizes)) {
  console.log(`${name.padEnd(22)} ${(s.min / 1024).toFixed(1).padStart(8)}k ${(s.gzip / 1024).toFixed(1).padStart(8)}k`);
}
const client = sizes["DFINERY client"];
const base = sizes["openapi-fetch alone"];
const kib = (bytes) => `${(bytes / 1024).toFixed(1)}k`;
console.log(`where the client app's bytes go (minified, before gzip; bundled from source):`);
for (const [input, bytes] of attribution.inputs.slice(0, 16)) console.log(`  ${kib(bytes).padStart(6)}  ${input}`);
const helpers = attribution.inputs.filter(([input]) => HELPERS.test(input.replace(/\.ts$/, ".js")));
reportVerdicts([
  {
    target: "4. bundle",
    measure: "DFINERY app - openapi-fetch app (min+gzip)",
    value: (client.gzip - base.gzip) / 1024,
    kind: "max",
    goal: 8,
    unit: " kB",
    detail: `${(client.gzip / 1024).toFixed(1)} kB vs ${(base.gzip / 1024).toFixed(1)} kB`,
  },
  {
    target: "4. helpers not in the bundle",
    measure: "helper modules loaded by a one-call app",
    value: helpers.length,
    kind: "max",
    goal: 0,
    unit: "",
    detail: helpers.map(([input, bytes]) => `${input} ${kib(bytes)}`).join(", "),
  },
]);
