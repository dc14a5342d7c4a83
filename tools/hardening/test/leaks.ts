/**
 * Collects every text a caller can see — error messages, `String(err)`, JSON, `util.inspect`, stacks,
 * each error of the `cause` chain, returned error objects, batch reports, log lines — and finds the
 * planted secrets in them.
 */
import { inspect } from "node:util";
import type { Logger } from "@cdpkit/core";
import type { Outcome } from "./harness.js";

export interface Leak {
  where: string;
  secret: string;
  /** Up to 80 characters either side of the first hit. */
  context: string;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch (error) {
    return `<JSON.stringify threw ${String(error)}>`;
  }
}

export class LeakScanner {
  readonly texts: { where: string; text: string }[] = [];
  readonly lines: string[] = [];

  /** A logger recording every line and every field at every level. */
  readonly logger: Logger = {
    debug: (msg, fields) => this.#log("debug", msg, fields),
    info: (msg, fields) => this.#log("info", msg, fields),
    warn: (msg, fields) => this.#log("warn", msg, fields),
    error: (msg, fields) => this.#log("error", msg, fields),
  };

  #log(level: string, msg: string, fields?: Record<string, unknown>): void {
    const text = `${level} ${msg} ${inspect(fields, { depth: 10 })} ${safeJson(fields)}`;
    this.lines.push(text);
    this.texts.push({ where: `log line ${this.lines.length} (${level})`, text });
  }

  add(where: string, text: string): void {
    this.texts.push({ where, text });
  }

  /** The error and every error in its `cause` chain (and an AggregateError's `errors`), every view of each. */
  addError(where: string, err: unknown): void {
    const seen = new Set<unknown>();
    const visit = (e: unknown, path: string, depth: number): void => {
      if (e === undefined || e === null || seen.has(e) || depth > 10) return;
      seen.add(e);
      if (e instanceof Error) {
        this.add(`${where} ${path}.message`, e.message);
        this.add(`${where} ${path} String()`, String(e));
        this.add(`${where} ${path} JSON`, safeJson(e));
        this.add(`${where} ${path} inspect`, inspect(e, { depth: 10 }));
        this.add(`${where} ${path}.stack`, e.stack ?? "");
        for (const [key, value] of Object.entries(e)) {
          if (key !== "cause")
            this.add(`${where} ${path}.${key}`, typeof value === "string" ? value : `${safeJson(value)} ${inspect(value, { depth: 10 })}`);
        }
        const errors = (e as { errors?: unknown }).errors;
        if (Array.isArray(errors)) errors.forEach((inner, i) => visit(inner, `${path}.errors[${i}]`, depth + 1));
        visit((e as { cause?: unknown }).cause, `${path}.cause`, depth + 1);
      } else {
        this.addValue(`${where} ${path}`, e);
      }
    };
    visit(err, "err", 0);
  }

  addValue(where: string, value: unknown): void {
    this.add(`${where} JSON`, safeJson(value));
    this.add(`${where} inspect`, inspect(value, { depth: 10 }));
  }

  addOutcome(where: string, outcome: Outcome): void {
    switch (outcome.type) {
      case "thrown":
        return this.addError(`${where} (thrown)`, outcome.error);
      case "returned-error":
        return this.addValue(`${where} (returned error)`, outcome.error);
      case "ok":
        // Data the server sent as a success is the caller's own data, not a leak.
        return;
      case "batch":
        this.addValue(`${where} (batch report)`, outcome.report);
        outcome.failed.forEach((f, i) => this.addError(`${where} (batch failed[${i}].error)`, f.error));
        return;
    }
  }

  leaks(secrets: readonly string[]): Leak[] {
    const out: Leak[] = [];
    const wanted = [...new Set(secrets.filter((s) => s.length >= 8))];
    for (const { where, text } of this.texts) {
      for (const secret of wanted) {
        const at = text.indexOf(secret);
        if (at < 0) continue;
        out.push({ where, secret, context: text.slice(Math.max(0, at - 80), at + secret.length + 80) });
      }
    }
    return out;
  }
}

/** A compact list for an assertion message: where each secret appeared (first few). */
export function describeLeaks(leaks: readonly Leak[]): string {
  if (leaks.length === 0) return "no leaks";
  const byWhere = leaks.slice(0, 12).map((l) => `- ${l.secret} in ${l.where}: …${l.context.replace(/\s+/g, " ")}…`);
  return `${leaks.length} leak(s):\n${byWhere.join("\n")}`;
}
