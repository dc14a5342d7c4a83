// Starts one Prism mock per spec (Prism serves one spec per process) on a free loopback port and
// resolves once Prism logs that it is listening. Used by the vitest global setups and the demo.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
const prismBin = join(here, "node_modules", "@stoplight", "prism-cli", "dist", "index.js");

/** Asks the OS for a free port on the loopback interface. */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolvePort(address.port));
    });
  });
}

/**
 * @param {{ spec: string, host?: string, port?: number, startupTimeoutMs?: number, log?: (line: string) => void }} options
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startMock(options) {
  const spec = resolve(options.spec);
  if (!existsSync(spec)) throw new Error(`startMock: no spec at ${spec}`);
  const host = options.host ?? "127.0.0.1";
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  // A port taken between freePort() and Prism's bind is retried with a fresh port.
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort(host));
    try {
      return await launch(spec, host, port, startupTimeoutMs, options.log);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

function launch(spec, host, port, startupTimeoutMs, log) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [prismBin, "mock", spec, "-h", host, "-p", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    });
    let output = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Prism did not start for ${spec} within ${startupTimeoutMs} ms:\n${output}`));
    }, startupTimeoutMs);
    const onData = (chunk) => {
      const text = chunk.toString();
      if (log) for (const line of text.split("\n")) if (line.trim()) log(line);
      if (ready) return;
      output += text;
      if (/Prism is listening on/.test(output)) {
        ready = true;
        clearTimeout(timer);
        resolveStart({ url: `http://${host}:${port}`, port, stop: () => stop(child) });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`Prism exited with code ${code} for ${spec}:\n${output}`));
    });
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      done();
    });
    child.kill("SIGTERM");
  });
}

/** The document a vendor's mock serves: the Redocly bundle of a split spec, else specs/<vendor>/openapi.yaml. */
export function vendorSpec(vendor) {
  const bundled = join(repoRoot, "packages", vendor, "src", "generated", "openapi.bundled.yaml");
  return existsSync(bundled) ? bundled : join(repoRoot, "specs", vendor, "openapi.yaml");
}

/** Starts the mock for a vendor's spec (see vendorSpec). */
export function startVendorMock(vendor, options = {}) {
  return startMock({ ...options, spec: vendorSpec(vendor) });
}
