// The runtimes the smoke program runs on besides the Node that runs the tests, each an exact version of
// a package on the npm registry (npm checks its integrity on download). Binaries are unpacked once into a
// cache shared by every clone: $CDPKIT_RUNTIMES_CACHE, else ~/.cache/cdpkit-runtimes.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const cacheDir = process.env.CDPKIT_RUNTIMES_CACHE || join(homedir(), ".cache", "cdpkit-runtimes");

const platform = process.platform; // linux | darwin
const arch = process.arch; // x64 | arm64

/** Bun's x64 build needs AVX2; its "baseline" build runs on any x64 CPU. */
function bunX64Flavour() {
  if (platform !== "linux") return "x64";
  try {
    return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8")) ? "x64" : "x64-baseline";
  } catch {
    return "x64-baseline";
  }
}

/**
 * name, the npm package holding this platform's binary, the binary's path inside the package, and how
 * the runtime runs a script with network and file access.
 */
export const RUNTIMES = [
  { name: "node22", version: "22.23.5", package: `node-${platform}-${arch}`, binary: "bin/node", args: (script) => [script] },
  { name: "node24", version: "24.22.3", package: `node-${platform}-${arch}`, binary: "bin/node", args: (script) => [script] },
  {
    name: "bun",
    version: "1.4.5",
    package: `@oven/bun-${platform}-${arch === "arm64" ? "aarch64" : bunX64Flavour()}`,
    binary: "bin/bun",
    args: (script) => ["run", script],
  },
  {
    name: "deno",
    version: "2.9.6",
    package: `@deno/${platform}-${arch}${platform === "linux" ? "-glibc" : ""}`,
    binary: "deno",
    // Deno reads the workspace's node_modules (package.json present: "manual" node_modules mode).
    args: (script) => ["run", "--quiet", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", script],
  },
];

/** The runtime's binary, downloaded and unpacked into the cache on first use. */
export async function ensureRuntime(runtime) {
  const spec = `${runtime.package}@${runtime.version}`;
  const home = join(cacheDir, spec.replace("/", "+"));
  const binary = join(home, runtime.binary);
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, ".download-"));
  try {
    // npm pack fetches the exact version's tarball through npm's cache and checks its integrity.
    const { stdout } = await run("npm", ["pack", spec, "--json", "--pack-destination", staging, "--loglevel=error"], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(stdout);
    await run("tar", ["-xzf", join(staging, filename), "-C", staging, `package/${runtime.binary}`]);
    chmodSync(join(staging, "package", runtime.binary), 0o755);
    // Renamed into place last, so an interrupted download never leaves a half-written binary in the cache.
    rmSync(home, { recursive: true, force: true });
    renameSync(join(staging, "package"), home);
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
