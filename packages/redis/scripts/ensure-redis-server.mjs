// Makes sure `redis-server` is on this machine before the tests and benchmarks that start one:
// installs Debian's package when it is missing and we are root (CI, a fresh machine), otherwise
// says exactly what to run. Idempotent and quiet when the server is already there.
import { execFileSync, spawnSync } from "node:child_process";

const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
if (found.status === 0) process.exit(0);

const root = typeof process.getuid === "function" && process.getuid() === 0;
if (!root || spawnSync("apt-get", ["--version"]).status !== 0) {
  console.error("redis-server is not installed: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or install Redis >= 6.2");
  process.exit(1);
}
console.log("redis-server is missing: installing Debian's redis-server package");
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "redis-server"], { stdio: "inherit", env });
// The package starts a system-wide server on 6379; ours are started per suite on free ports, so stop it.
spawnSync("service", ["redis-server", "stop"], { stdio: "ignore" });
const after = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
if (after.status !== 0) {
  console.error("redis-server still not runnable after apt-get install");
  process.exit(1);
}
console.log(after.stdout.trim());
