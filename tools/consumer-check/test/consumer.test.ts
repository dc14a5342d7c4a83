// What a user gets from the packed packages, installed with npm in a clean project (see global-setup.ts).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { publicPackages, repoRoot } from "./consumer-project.js";

const run = promisify(execFile);
const consumerDir = inject("consumerDir");
const tarballs = new Map(inject("tarballs"));
const packages = publicPackages();
// The vendor clients: the packages generated from a spec (not core, not the Redis store or the command line).
const vendors = packages.map((pkg) => pkg.name.replace("@cdpkit/", "")).filter((name) => existsSync(join(repoRoot, "specs", name)));
const REPOSITORY = "https://github.com/cdpkit/cdpkit";

/** Runs a command; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function outcome(command: string, args: string[], cwd = consumerDir) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe.each(packages)("$name as packed", ({ name, directory }) => {
  // npm extracts a tarball as it is, so the installed directory is the tarball's content.
  const installed = join(consumerDir, "node_modules", name);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));

  it("carries the MIT licence text and the metadata a registry page shows", () => {
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toBe(readFileSync(join(repoRoot, "LICENSE"), "utf8"));
    expect(manifest).toMatchObject({
      license: "MIT",
      repository: { type: "git", url: `git+${REPOSITORY}.git`, directory },
      homepage: `${REPOSITORY}/tree/main/${directory}#readme`,
      bugs: { url: `${REPOSITORY}/issues` },
      engines: { node: ">=20.19.0" },
      publishConfig: { access: "public", provenance: true },
    });
    expect(manifest.keywords.length).toBeGreaterThan(0);
  });

  it("exports types first and a default condition (import and require), with real dependency ranges", () => {
    expect(Object.keys(manifest.exports["."])).toEqual(["types", "default"]);
    for (const target of Object.values<string>(manifest.exports["."])) expect(existsSync(join(installed, target))).toBe(true);
    const ranges = Object.values<string>({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(ranges.filter((range) => range.startsWith("workspace:"))).toEqual([]);
  });

  it("has a README whose links work on the registry page (absolute, or anchors)", () => {
    const readme = readFileSync(join(installed, "README.md"), "utf8");
    const targets = [...readme.matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((match) => match[1]!);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !/^(https?:\/\/|#)/.test(target))).toEqual([]);
  });

  it("ships what every source map points to", () => {
    const maps = filesUnder(installed).filter((file) => file.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(0);
    const unresolved = maps.flatMap((map) => {
      const { sources, sourceRoot = "" } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[]; sourceRoot?: string };
      return sources.map((source) => resolve(dirname(map), sourceRoot, source)).filter((source) => !existsSync(source));
    });
    expect(unresolved.map((source) => relative(installed, source))).toEqual([]);
  });
});

describe("on Node (the running one, >= 20.19)", () => {
  const expected = (loadedAs: string) => ({
    loadedAs,
    node: process.version,
    vendors: Object.fromEntries(
      vendors.map((vendor) => [vendor, { factory: "function", sharesCoreErrors: true, refusesBadBaseUrl: true }]),
    ),
    call: { status: 200, data: { status: true, code: "20000", message: "OK", data: { echoedIdentity: { external_id: "consumer-1" } } } },
  });

  it("an ES module imports every package and makes a call", async () => {
    const { code, stdout, stderr } = await outcome(process.execPath, ["esm.mjs"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual(expected("import"));
  });

  it("`npx cdpkit --help` runs the command line from its packed tarball", async () => {
    const npx = join(dirname(process.execPath), "npx");
    const { code, stdout } = await outcome(npx, ["--no-install", "cdpkit", "--help"]);
    expect(code).toBe(0);
    for (const command of ["import", "export", "ops", "call", "mock"]) expect(stdout).toContain(command);
  });

  it("a CommonJS module requires every package and makes a call", async () => {
    const { code, stdout, stderr } = await outcome(process.execPath, ["require.cjs"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual(expected("require"));
  });
});

const require = createRequire(import.meta.url);
const RESOLUTIONS = {
  // A Node project typed by @types/node alone, no DOM lib.
  node16: { module: "node16", moduleResolution: "node16", lib: ["ES2022"], types: ["node"] },
  // DOM lib and no @types/node: the declarations must not lean on Node-only types.
  nodenext: { module: "nodenext", moduleResolution: "nodenext", lib: ["ES2022", "DOM", "DOM.Iterable"], types: [] },
  bundler: { module: "esnext", moduleResolution: "bundler", lib: ["ES2022", "DOM", "DOM.Iterable"], types: ["node"] },
};
// Every resolution on the oldest supported TypeScript; the current one once, where it also types a CommonJS
// file's require of the packages (TypeScript >= 5.8 models Node's require(esm) under nodenext only). The
// repo's own builds already compile with the current one. Each run checks all five packages' declarations
// (~10 s of CPU), so the runs go one after another: together they would starve a 2-core machine.
const TYPECHECKS = [
  { typescript: "typescript-5.4", version: /^5\.4\./, resolution: "node16", files: ["use.ts"] },
  { typescript: "typescript-5.4", version: /^5\.4\./, resolution: "nodenext", files: ["use.ts"] },
  { typescript: "typescript-5.4", version: /^5\.4\./, resolution: "bundler", files: ["use.ts"] },
  { typescript: "typescript", version: /^5\.9\./, resolution: "nodenext", files: ["use.ts", "use-require.cts"] },
] as const;

describe("tsc on a user's code, skipLibCheck off", () => {
  it.each(TYPECHECKS)("$typescript, moduleResolution $resolution: $files", async ({ typescript, version, resolution, files }) => {
    const tsc = join(dirname(require.resolve(`${typescript}/package.json`)), "bin", "tsc");
    expect((await outcome(process.execPath, [tsc, "--version"])).stdout.replace("Version ", "")).toMatch(version);
    const config = `tsconfig.${typescript}.${resolution}.json`;
    const compilerOptions = { target: "ES2022", strict: true, skipLibCheck: false, noEmit: true, ...RESOLUTIONS[resolution] };
    writeFileSync(join(consumerDir, config), JSON.stringify({ compilerOptions, files }, null, 2));
    const { code, stdout } = await outcome(process.execPath, [tsc, "-p", config]);
    expect({ code, errors: stdout }).toEqual({ code: 0, errors: "" });
  });
});

describe("are the types wrong (attw)", () => {
  const attw = join(dirname(require.resolve("@arethetypeswrong/cli/package.json")), "dist", "index.js");

  it.each(packages)(
    "$name: the only finding is the CommonJS require of ESM that TypeScript's node16 mode predates",
    async ({ name, directory }) => {
      const { stdout } = await outcome(process.execPath, [attw, tarballs.get(name)!, "--format", "json"]);
      const { problems: all } = JSON.parse(stdout) as {
        problems: Record<string, { entrypoint?: string; resolutionKind?: string; resolutionOption?: string }[]>;
      };
      // TypeScript's old "node" (node10) resolution reads no exports map, so it cannot see a subpath entry such as
      // @cdpkit/core/errors; the packages need Node >= 20.19, whose resolution (node16 / nodenext / bundler) does.
      const problems = Object.fromEntries(
        Object.entries(all)
          .map(
            ([kind, found]) =>
              [kind, found.filter((problem) => problem.resolutionKind !== "node10" && problem.resolutionOption !== "node10")] as const,
          )
          .filter(([, found]) => found.length > 0),
      );
      // README "Using the packages": Node >= 20.19 requires them, TypeScript >= 5.8 types it under nodenext.
      const manifest = JSON.parse(readFileSync(join(repoRoot, directory, "package.json"), "utf8")) as { exports: Record<string, unknown> };
      const entrypoints = Object.keys(manifest.exports).filter((entry) => entry !== "./package.json");
      expect(problems).toEqual({
        CJSResolvesToESM: entrypoints.map((entrypoint) => ({ kind: "CJSResolvesToESM", entrypoint, resolutionKind: "node16-cjs" })),
      });
    },
  );
});
