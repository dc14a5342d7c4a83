// Builds the clean npm project the consumer check runs in: every public workspace package packed with
// pnpm (workspace: ranges become real versions, as on publish), then installed with npm from those
// tarballs (their dependencies, such as openapi-fetch, come from the registry through npm's cache).
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const fixturesDir = fileURLToPath(new URL("../fixtures", import.meta.url));

/** The @types/node a Node 20 user of the packages would have; the workspace resolves the same version. */
export const CONSUMER_TYPES_NODE = "20.19.43";

const run = promisify(execFile);

export interface PublicPackage {
  name: string;
  /** Relative to the repo root, e.g. packages/dfinery. */
  directory: string;
}

/** Every workspace package under packages/ that is not private: what `pnpm release` would publish. */
export function publicPackages(): PublicPackage[] {
  return readdirSync(join(repoRoot, "packages"))
    .map((entry) => ({ directory: `packages/${entry}`, manifest: join(repoRoot, "packages", entry, "package.json") }))
    .flatMap(({ directory, manifest }) => {
      let pkg: { name: string; private?: boolean };
      try {
        pkg = JSON.parse(readFileSync(manifest, "utf8"));
      } catch {
        return [];
      }
      return pkg.private ? [] : [{ name: pkg.name, directory }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** pnpm as the running script was started (npm_execpath), else the version the repo pins, through npx. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.c?js$/.test(execPath)) return [process.execPath, [execPath]];
  const pinned = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).packageManager as string;
  return ["npx", ["-y", pinned]];
}

/** Packs each package into `destination`; returns package name -> tarball path. */
export async function packPublicPackages(destination: string): Promise<Map<string, string>> {
  mkdirSync(destination, { recursive: true });
  const [command, prefix] = pnpmCommand();
  const tarballs = new Map<string, string>();
  for (const pkg of publicPackages()) {
    const before = new Set(readdirSync(destination));
    await run(command, [...prefix, "pack", "--pack-destination", destination], { cwd: join(repoRoot, pkg.directory) });
    const made = readdirSync(destination).filter((file) => file.endsWith(".tgz") && !before.has(file));
    if (made.length !== 1) throw new Error(`pnpm pack in ${pkg.directory} made ${made.length} tarballs: ${made.join(", ")}`);
    tarballs.set(pkg.name, join(destination, made[0]!));
  }
  return tarballs;
}

/** A fresh npm project in `dir` with the tarballs and @types/node installed, and the fixture programs copied in. */
export async function createConsumerProject(dir: string, tarballs: Map<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const dependencies = Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]));
  const manifest = {
    name: "cdpkit-consumer",
    private: true,
    type: "module",
    dependencies,
    devDependencies: { "@types/node": CONSUMER_TYPES_NODE },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  // --prefer-offline: a second run (and CI with a warm ~/.npm) takes openapi-fetch and @types/node from npm's cache.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { cwd: dir });
  cpSync(fixturesDir, dir, { recursive: true });
}
