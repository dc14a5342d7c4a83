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

export function startRedisServer(options?: RedisServerOptions): Promise<RedisServer>;
