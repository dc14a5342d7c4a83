// A throwaway `redis-server` for tests and benchmarks (exported as @cdpkit/redis/testing). Plain
// JavaScript outside src/ so the package's sources stay free of Node built-ins; types in redis-server.d.mts.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

function waitForReady(child, port) {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready within 10 s: ${output.slice(-500)}`)), 10_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) done();
    };
    const onExit = (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
    const onError = (error) =>
      fail(
        Object.assign(new Error(`could not start redis-server (${error.message}); install it: apt-get install -y redis-server`), {
          cause: error,
        }),
      );
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (error) => {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    };
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

/** @type {import('./redis-server.d.mts').startRedisServer} */
export async function startRedisServer(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cdpkit-redis-"));
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.persistent ? "yes" : "no",
    // BullMQ refuses to run on a server that may evict its keys.
    "--maxmemory-policy",
    "noeviction",
    "--loglevel",
    "notice",
  ];
  let child;
  const launch = async () => {
    const started = spawn(options.binary ?? "redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
    child = started;
    await waitForReady(started, port);
    // Drain the log so the pipe never fills and blocks the server.
    started.stdout?.resume();
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  // A test runner that dies must not leave a server behind.
  const onExit = () => void child?.kill("SIGKILL");
  process.once("exit", onExit);
  return {
    host: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart({ downMs = 0 } = {}) {
      await halt();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    async stop() {
      process.off("exit", onExit);
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
