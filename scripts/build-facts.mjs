// What the bundle bench (bench/bundle.mjs), the bundle check (tools/bundle-check) and the API reference
// (tools/docs/api.mjs) each need to know about a package's build, in one place so they cannot disagree.

/** The source file a package's exports or imports map target is built from: `./dist/x.js` -> `src/x.ts`. */
export function sourceOfDistFile(distPath) {
  return distPath.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts");
}

/**
 * The output files an app loads before it runs, from an esbuild metafile of a code-split build: the entry
 * chunk and every chunk it imports statically, transitively. Chunks reached only by `import()` load later.
 */
export function loadedFirst(outputs) {
  const entry = Object.keys(outputs).find((output) => outputs[output].entryPoint !== undefined);
  const loaded = new Set();
  const visit = (output) => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const imported of outputs[output].imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  return loaded;
}
