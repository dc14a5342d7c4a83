// After `tsc` (declarations and the per-file JS), replaces a package's runtime JS in dist/ with one ESM
// bundle per entry point (shared code in chunks, so a class exists once however many entries load it).
// Why: Node resolves, reads and compiles each ES module separately, and a client import touched ~45
// files; one file per entry cut @cdpkit/core's import CPU ~2.5x (bench/cold-start.mjs, issue 13 target
// 5). Declarations (.d.ts) stay tsc's, file for file; maps point into the shipped src/.
//
//   node ../../scripts/bundle-dist.mjs <entry in src/>...   (run in the package directory, after tsc)
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";

const entries = process.argv.slice(2);
if (entries.length === 0) throw new Error("bundle-dist: name the entry points (src/index.ts ...)");
const dist = join(process.cwd(), "dist");

// tsc's per-file JS and maps go; its declarations stay.
const removeJs = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeJs(path);
    else if (/\.js(\.map)?$/.test(entry.name)) rmSync(path);
  }
};
removeJs(dist);

await build({
  entryPoints: entries,
  outdir: dist,
  outbase: "src",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Other packages (and the subpath imports map, resolved per runtime by whoever loads the package)
  // stay imports.
  packages: "external",
  external: ["#*"],
  sourcemap: "linked",
  sourcesContent: false,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
console.log(`bundle-dist: ${entries.map((e) => relative("src", e)).join(", ")} -> dist/`);
