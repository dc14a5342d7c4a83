import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CouldNotRunError } from "./exit.js";
import type { VendorName } from "./vendors.js";

/** The vendor's spec as shipped in this package (copied at build time: Prism serves one bundled document). */
export function shippedSpec(vendor: VendorName): string {
  const spec = join(dirname(fileURLToPath(import.meta.url)), "specs", `${vendor}.yaml`);
  if (!existsSync(spec)) throw new CouldNotRunError(`the ${vendor} spec is missing from this install (${spec})`);
  return spec;
}

/**
 * Runs a Prism mock of the vendor's spec in the foreground until interrupted: every request is checked
 * against the spec and answered from its examples (`Prefer: example=<name>` picks one).
 */
export function runMock(vendor: VendorName, options: { host: string; port: number }): Promise<number> {
  const prism = createRequire(import.meta.url).resolve("@stoplight/prism-cli/dist/index.js");
  const child = spawn(process.execPath, [prism, "mock", shippedSpec(vendor), "-h", options.host, "-p", String(options.port)], {
    stdio: "inherit",
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
}
