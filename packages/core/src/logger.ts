import type { Redactor } from "./redact.js";

/** Any console-like sink; every method is optional so `{ warn: console.warn }` is enough. */
export interface Logger {
  debug?(msg: string, fields?: Record<string, unknown>): void;
  info?(msg: string, fields?: Record<string, unknown>): void;
  warn?(msg: string, fields?: Record<string, unknown>): void;
  error?(msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * A logger whose every line is scrubbed before the user's sink sees it, so a layer can log
 * requests without thinking about secrets. Missing levels become no-ops.
 */
export function redactingLogger(logger: Logger | undefined, redactor: Redactor): Required<Logger> {
  const out = {} as Required<Logger>;
  for (const level of LEVELS) {
    out[level] = (msg: string, fields?: Record<string, unknown>): void => {
      const sink = logger?.[level];
      if (!sink) return;
      const text = redactor.redactText(msg);
      if (fields === undefined) sink.call(logger, text);
      else sink.call(logger, text, redactor.redactValue(fields));
    };
  }
  return out;
}
