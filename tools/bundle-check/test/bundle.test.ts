// Portable runtime code: every vendor package, as built (dist/index.js, what npm users install), must
// bundle for the browser with no Node built-in, no `process` and no `Buffer`; and no TypeScript
// source of a package may import a `node:` module or name `Buffer`. Sizes (min+gzip) are reported,
// not asserted.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions } from "esbuild";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { loadedFirst, sourceOfDistFile } from "../../../scripts/build-facts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

// A tiny consumer per vendor: import the factory and create a client with valid dummy options
// (kept, so the factory and what it reaches are in the bundle, not tree-shaken away).
const VENDORS = [
  {
    vendor: "dfinery",
    factory: "createDfineryClient",
    options: `{ serviceId: "svc", importToken: "import-token", exportToken: "export-token" }`,
  },
  {
    vendor: "synerise",
    factory: "createSyneriseClient",
    options: `{ auth: { type: "workspace", apiKey: "api-key" }, trackerKey: "tracker-key" }`,
  },
  { vendor: "altcraft", factory: "createAltcraftClient", options: `{ token: "api-token" }` },
  { vendor: "kameleoon", factory: "createKameleoonClient", options: `{ siteCode: "site-code" }` },
] as const;

// What a browser or edge runtime does not have. Word boundaries: `ArrayBuffer` is fine, `Buffer` is not.
const FORBIDDEN_IN_BUNDLE: readonly [string, RegExp][] = [
  ['require("node:', /require\(\s*["']node:/],
  ['from "node:', /from\s*["']node:/],
  ['import("node:', /import\(\s*["']node:/],
  ["process.", /(?<![\w$.])process\./],
  ["Buffer", /(?<![\w$])Buffer(?![\w$])/],
];

// Third-party code that names one of the above only behind a feature test, so it never runs where the
// global is missing. Removed (exact text, as esbuild prints it) from that module before the scan; if
// the library changes the line, the scan flags it again for a fresh look.
const ALLOWED: readonly { module: RegExp; text: string; why: string }[] = [
  {
    module: /node_modules\/openapi-fetch\//,
    text: 'typeof process === "object" && Number.parseInt(process?.versions?.node?.substring(0, 2)) >= 18 && process.versions.undici',
    why: "openapi-fetch 0.17 supportsRequestInitExt(): guarded by typeof process, false in a browser",
  },
];

function excerpt(text: string, index: number): string {
  return text.slice(Math.max(0, index - 60), index + 60).replace(/\s+/g, " ");
}

/** The unminified bundle cut into the modules it came from (esbuild heads each with `// <input path>`). */
function modulesOf(text: string, inputs: readonly string[]): { module: string; text: string }[] {
  const heads = new Set(inputs.map((i) => `// ${i}`));
  const parts: { module: string; text: string }[] = [{ module: "(bundle)", text: "" }];
  for (const line of text.split("\n")) {
    if (heads.has(line.trim())) parts.push({ module: line.trim().slice(3), text: "" });
    else parts[parts.length - 1]!.text += `${line}\n`;
  }
  return parts;
}

function forbiddenReferences(text: string, inputs: readonly string[]): string[] {
  return modulesOf(text, inputs).flatMap(({ module, text }) => {
    let code = text;
    for (const allowed of ALLOWED) if (allowed.module.test(module)) code = code.split(allowed.text).join("");
    return FORBIDDEN_IN_BUNDLE.flatMap(([name, pattern]) => {
      const m = pattern.exec(code);
      return m ? [`${name} in ${module}: ...${excerpt(code, m.index)}...`] : [];
    });
  });
}

function entryFor(v: (typeof VENDORS)[number]): BuildOptions {
  return {
    stdin: {
      contents: `import { ${v.factory} } from "@cdpkit/${v.vendor}";\nexport const c = ${v.factory}(${v.options});\n`,
      resolveDir: here,
      sourcefile: `${v.vendor}-entry.js`,
      loader: "js",
    },
    platform: "browser",
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "silent",
  };
}

const sizes: { vendor: string; min: number; gzip: number }[] = [];

describe("vendor packages bundle for the browser", () => {
  for (const v of VENDORS) {
    it(`@cdpkit/${v.vendor}: no Node built-ins, process or Buffer`, async () => {
      const result = await build({ ...entryFor(v), metafile: true });
      expect(result.errors, `esbuild errors for @cdpkit/${v.vendor}`).toEqual([]);
      const text = result.outputFiles?.map((f) => f.text).join("\n") ?? "";
      expect(text.length).toBeGreaterThan(0);
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      expect(
        inputs.some((i) => i.includes("packages/core/dist/")),
        "bundle includes @cdpkit/core",
      ).toBe(true);
      expect(forbiddenReferences(text, inputs), `@cdpkit/${v.vendor} bundle references`).toEqual([]);
      // The Node transport (package.json `imports`, condition `node`) stays out: fetch is the browser's transport.
      expect(
        inputs.filter((i) => /node_modules\/undici\/|\/node-transport\.[jt]s$/.test(i)),
        "Node transport modules in the bundle",
      ).toEqual([]);
      expect(inputs.some((i) => i.endsWith("/node-transport-unavailable.js"))).toBe(true);

      const min = await build({ ...entryFor(v), minify: true });
      expect(min.errors).toEqual([]);
      const bytes = min.outputFiles?.[0]?.contents ?? new Uint8Array();
      sizes.push({ vendor: v.vendor, min: bytes.byteLength, gzip: gzipSync(bytes).byteLength });
    });
  }

  it("the scan finds what it looks for (a bundle with Buffer, process and a node: import)", async () => {
    const probe = (contents: string) =>
      build({ ...entryFor(VENDORS[0]), stdin: { contents, resolveDir: here, sourcefile: "probe.js", loader: "js" }, metafile: true });
    const result = await probe(`export const a = Buffer.from("x"); export const b = process.env.X; export const c = new ArrayBuffer(1);`);
    const found = forbiddenReferences(result.outputFiles?.[0]?.text ?? "", Object.keys(result.metafile?.inputs ?? {}));
    expect(found.map((f) => f.split(" in ")[0])).toEqual(["process.", "Buffer"]);
    await expect(probe(`import { readFileSync } from "node:fs"; export const d = readFileSync;`)).rejects.toThrow(/node:fs/);
  });

  afterAll(() => {
    if (sizes.length === 0) return;
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
    const lines = [...sizes]
      .sort((a, b) => VENDORS.findIndex((v) => v.vendor === a.vendor) - VENDORS.findIndex((v) => v.vendor === b.vendor))
      .map((s) => `  @cdpkit/${s.vendor.padEnd(10)} ${kb(s.min)} ${kb(s.gzip)}`);
    console.log(
      [
        "browser bundle of one client (esbuild, minified; not asserted)",
        `  ${"package".padEnd(18)} ${"min".padStart(10)} ${"min+gzip".padStart(10)}`,
        ...lines,
      ].join("\n"),
    );
  });
});

// Helpers load at their first call (issue 13's bundle target): an app that creates a client (and so may make
// any call) downloads none of them. Checked on an app bundled as a browser app is, code-split: the JS loaded
// before the app runs (entry chunk plus what it imports statically) must hold none of these functions, and the
// whole output must (so the names are what the bundle prints, and the helpers are still reachable on demand).
const HELPER_FUNCTIONS: Record<string, readonly string[]> = {
  dfinery: ["sendEvents", "exportEvents", "rowsFromCsv", "runBatches", "parseCsvBatches", "csvRows"],
  synerise: ["sendEventBatches", "runBatches", "paginatePages"],
  kameleoon: ["sendEventChunks", "runBatches"],
};

describe("helpers a one-call app does not use are not in what it loads first", () => {
  for (const v of VENDORS.filter((v) => v.vendor in HELPER_FUNCTIONS)) {
    const helpers = HELPER_FUNCTIONS[v.vendor]!;
    it(`@cdpkit/${v.vendor}`, async () => {
      // write: false, so nothing lands here; esbuild needs an outdir to split.
      const outdir = join(tmpdir(), `cdpkit-split-${v.vendor}`);
      const result = await build({ ...entryFor(v), splitting: true, outdir, write: false, metafile: true });
      const outputs = result.metafile!.outputs;
      const text = new Map(result.outputFiles!.map((f) => [relative(process.cwd(), f.path), f.text]));
      const first = loadedFirst(outputs);
      const declares = (code: string, name: string) => new RegExp(`function\\*?\\s+${name}\\b`).test(code);
      const firstCode = [...first].map((o) => text.get(o) ?? "").join("\n");
      const all = [...text.values()].join("\n");
      expect(Object.keys(outputs).length, "the app is split into chunks").toBeGreaterThan(first.size);
      expect(
        helpers.filter((name) => !declares(all, name)),
        "helpers missing from the whole output",
      ).toEqual([]);
      expect(
        helpers.filter((name) => declares(firstCode, name)),
        "helpers in the JS loaded first",
      ).toEqual([]);
    });
  }
});

interface Manifest {
  private?: boolean;
  bin?: unknown;
  imports?: Record<string, string | Record<string, string>>;
}

/**
 * The Node-only modules of a package: the `node` targets of its package.json `imports` whose other
 * runtimes (`default`) get a different module, as source paths (`./dist/x.js` -> `src/x.ts`). They may
 * use Node built-ins; a browser bundle never reaches them (checked by the bundle tests above).
 */
function nodeOnlySources(pkgDir: string, manifest: Manifest): Set<string> {
  const files = new Set<string>();
  for (const target of Object.values(manifest.imports ?? {})) {
    if (typeof target !== "object" || !target.node || target.node === target.default) continue;
    files.add(join(pkgDir, sourceOfDistFile(target.node)));
  }
  return files;
}

/** Every .ts file under packages/<pkg>/src, generated code and Node-only modules excluded. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "generated") walk(path);
      } else if (/\.(c|m)?ts$/.test(name) && !name.endsWith(".d.ts")) {
        files.push(path);
      }
    }
  };
  const packages = join(root, "packages");
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, "src");
    // Published packages only: a private one (the test kit) is never bundled for a browser, nor is a
    // command (a package with a `bin`, @cdpkit/cli), which runs on Node by definition.
    const manifest = JSON.parse(readFileSync(join(packages, pkg, "package.json"), "utf8")) as Manifest;
    if (manifest.private || manifest.bin !== undefined) continue;
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src);
    for (const nodeOnly of nodeOnlySources(join(packages, pkg), manifest)) files.splice(files.indexOf(nodeOnly), 1);
  }
  return files;
}

/**
 * Walks the parsed source (comments are not nodes, so a comment saying "without Buffer" is not a
 * hit): any string literal starting with `node:` (an import, an export-from, a require, a dynamic
 * import) and the identifier `Buffer` (a value, or a type a consumer would need @types/node for).
 */
function nodeOnlyReferences(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const hits: string[] = [];
  const at = (node: ts.Node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${line + 1}:${character + 1}`;
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && node.text.startsWith("node:")) {
      hits.push(`${at(node)} "${node.text}"`);
    } else if (ts.isIdentifier(node) && node.text === "Buffer") {
      hits.push(`${at(node)} Buffer`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

describe("package sources", () => {
  it("no TypeScript source of a published package (packages/*/src, generated excluded) imports node: or names Buffer", () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(10);
    const hits = files.flatMap((file) => nodeOnlyReferences(file).map((hit) => `${relative(root, file)}:${hit}`));
    expect(hits).toEqual([]);
  });

  it("the source scan skips comments and finds code", () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-check-"));
    const file = join(dir, "probe.ts");
    writeFileSync(
      file,
      `// no Buffer here\n/** nor "node:fs" */\nimport { x } from "node:fs";\nexport const y: Buffer | undefined = undefined;\n`,
    );
    try {
      expect(nodeOnlyReferences(file)).toEqual(['3:19 "node:fs"', "4:17 Buffer"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
