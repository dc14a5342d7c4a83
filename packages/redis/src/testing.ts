import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real `redis-server` for tests and benchmarks: on 127.0.0.1, a free port, its files (if any) in a
 * temporary folder removed by `stop()`. Needs the `redis-server` binary (Debian: `apt-get install -y
 * redis-server`).
 */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM: a clean shutdown that flushes the append-only file) and starts it again on the same port and data. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep data across `restart()` in an append-only file (in the temporary folder). Default false:
   * nothing is written to disk (`--save "" --appendonly no`).
   */
  persistent?: boolean;
  /** Default `redis-server` on the PATH. */
  binary?: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

function waitForReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready within 10 s: ${output.slice(-500)}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) done();
    };
    const onExit = (code: number | null): void =>
      fail(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
    const onError = (error: Error): void =>
      fail(
        Object.assign(new Error(`could not start redis-server (${error.message}); install it: apt-get install -y redis-server`), {
          cause: error,
        }),
      );
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const fail = (error: Error): void => {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    };
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
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
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = spawn(options.binary ?? "redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
    child = started;
    await waitForReady(started, port);
    // Drain the log so the pipe never fills and blocks the server.
    started.stdout?.resume();
  };
  const halt = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  // A test runner that dies must not leave a server behind.
  const onExit = (): void => void child?.kill("SIGKILL");
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
