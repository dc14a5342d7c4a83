import { CdpkitError, type Redactor } from "@cdpkit/core";

/**
 * Redis did not answer (refused, closed, or slower than the command timeout). Thrown by the Redis
 * rate-limit store instead of letting requests go unlimited; a `fallback: "memory"` store logs and uses
 * an in-process budget instead. Never carries the Redis URL (it may hold a password).
 */
export class RedisUnavailableError extends CdpkitError {
  constructor(options: { operation: string; cause: unknown; redactor?: Redactor }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super({
      kind: "network",
      message: `Redis rate-limit store unavailable during ${options.operation}: ${reason}`,
      cause: options.cause,
      ...(options.redactor ? { redactor: options.redactor } : {}),
    });
  }
}

Object.defineProperty(RedisUnavailableError.prototype, "name", { value: "RedisUnavailableError", configurable: true, writable: true });
