/**
 * The two CSV error classes, apart from the tokenizer and the typed-row reader: every vendor package re-exports
 * them with the other error classes (`@cdpkit/core/errors`), and an app that never reads CSV must not load the
 * parser to get `instanceof` checks (issue 13, bundle target).
 */
import { defineField, excerpt, MalformedResponseError } from "./errors.js";
import { defaultRedactor, type Redactor } from "./redact.js";

export interface CsvParseErrorOptions {
  /** Who produced the CSV (default `csv`). */
  source?: string | undefined;
  cause?: unknown;
  /** Scrubs the message and cause before they are stored; never kept on the error. */
  redactor?: Redactor | undefined;
}

/**
 * The input is not valid CSV (unterminated quote, text after a closing quote, invalid UTF-8, a field over
 * `maxFieldBytes`). Usually a vendor's answer, so a {@link MalformedResponseError} (a `VendorError`, `kind: 'vendor'`)
 * and a `CdpkitError`: one `instanceof CdpkitError` check covers it, and its message passes the redactor.
 */
export class CsvParseError extends MalformedResponseError {
  declare readonly name: "CsvParseError";
  /** 1-based physical line on which the problem was detected (or where the offending field started). */
  declare readonly line: number;
  /** 1-based field index within the record, when known. */
  declare readonly column?: number;

  constructor(message: string, line: number, column?: number, options: CsvParseErrorOptions = {}) {
    super({ vendor: options.source ?? "csv", message, cause: options.cause, redactor: options.redactor });
    defineField(this, "line", line);
    if (column !== undefined) defineField(this, "column", column);
  }
}
// On the prototype, as core names its errors: keeps `name` out of the own fields (and of toJSON's field list).
Object.defineProperty(CsvParseError.prototype, "name", { value: "CsvParseError", writable: true, configurable: true, enumerable: false });

export interface CsvRowErrorOptions {
  /** Who produced the CSV (default `csv`). */
  source?: string | undefined;
  cause?: unknown;
  /** Scrubs message, column and value before they are stored; never kept on the error. */
  redactor?: Redactor | undefined;
}

/** Longest `column` / `value` a {@link CsvRowError} keeps (core's body-excerpt size); longer text is cut. */
const MAX_VALUE_CHARS = 8192;

/**
 * A record does not fit its header or a cell does not convert to its column's type. Usually a vendor's answer, so
 * a {@link MalformedResponseError} (a `VendorError`, `kind: 'vendor'`) and a `CdpkitError`; message, column and
 * value pass the redactor.
 */
export class CsvRowError extends MalformedResponseError {
  declare readonly name: "CsvRowError";
  /** 1-based physical line of the record in the CSV (header = line 1). */
  declare readonly line: number;
  /** Column (header) name. */
  declare readonly column: string;
  /** The raw cell text (redacted; cut to an 8 KiB excerpt when longer). */
  declare readonly value: string;

  constructor(message: string, line: number, column: string, value: string, options: CsvRowErrorOptions = {}) {
    const redactor = options.redactor ?? defaultRedactor;
    super({ vendor: options.source ?? "csv", message, cause: options.cause, redactor });
    defineField(this, "line", line);
    defineField(this, "column", excerpt(column, MAX_VALUE_CHARS, redactor));
    defineField(this, "value", excerpt(value, MAX_VALUE_CHARS, redactor));
  }
}
// On the prototype, as core names its errors: keeps `name` out of the own fields (and of toJSON's field list).
Object.defineProperty(CsvRowError.prototype, "name", { value: "CsvRowError", writable: true, configurable: true, enumerable: false });
