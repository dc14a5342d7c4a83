/**
 * Typed rows for DFINERY CSV exports (`POST /api/v1/export/event`, `POST /api/v1/export/userprofile`).
 *
 * DFINERY's CSV carries no type information and the docs say nothing about how values are rendered, so the
 * conversion rules below are OUR DECISION, derived from the documented samples:
 *
 * 1. Empty cell -> `null` (the property is absent for that row), for every column.
 * 2. The literal `null` (exact, lower-case) -> `null`, for every type, including `string` columns.
 * 3. Columns with a known type (the built-in {@link STANDARD_COLUMNS} map, overridden/extended by
 *    `options.columns` = the service's registered custom properties) convert strictly:
 *    - `string`: the raw text, unchanged.
 *    - `long`: an optional `-`/`+` and decimal digits only, and a safe integer (|n| <= 2^53-1).
 *    - `double`: a decimal number (`1`, `-1.5`, `.5`, `1e3`), finite. `NaN`/`Infinity`/hex are rejected.
 *    - `boolean`: `true` / `false` in any letter case (the event export renders `FALSE`, the profile export `false`).
 *    - `*_list`: a JSON array (the CSV cell is quoted, e.g. `"[""1"",""2""]"` -> `["1","2"]`). Elements are
 *      checked: `string_list` elements must be JSON strings; `long_list`/`double_list` elements may be JSON numbers
 *      or JSON strings that pass the scalar rule above (the numeric list rendering is undocumented).
 *    - `datetime`: `2025.1.6 10:35` (year.month.day, 1-2 digit month/day/hour, optional `:ss[.fff]`) and
 *      `2025-01-06 10:38:10.036` (also with `T`) are normalised to ISO `YYYY-MM-DDTHH:mm:ss.SSS` (fractions beyond
 *      milliseconds are truncated). The export has NO time zone: values are in the service's local time. If
 *      `options.utcOffset` (e.g. `+09:00`, or `Z`) is given it is appended; otherwise the result is a local
 *      date-time without offset. A value that already carries a zone (`...Z`, `+09:00`) keeps its own zone.
 *    A value that does not convert throws {@link ExportParseError} (default), or with `onInvalid: 'string'`
 *    is kept as the raw string.
 * 4. UNKNOWN columns are inferred conservatively: `true`/`false` (any case) -> boolean; a JSON array whose elements
 *    are all strings or all (safe) numbers -> that array; everything else stays a string. Unknown values are never
 *    turned into numbers (ids such as phone numbers `821012345678` or `007` would be corrupted) nor dates.
 * 5. The first record is the header. Duplicate header names are an error. Every other record must have exactly as
 *    many cells as the header, otherwise {@link ExportParseError} names the line. Completely empty lines are
 *    skipped when the header has more than one column.
 *
 * Line numbers are 1-based physical lines of the CSV (the header is line 1; quoted newlines count).
 */
import { CsvRowError, type CellType, type CellValue, type CsvParseOptions, type CsvSource } from "@cdpkit/core";
import { cellTypes, csvRows, readCell } from "@cdpkit/core/csv";
import type { components } from "./generated/openapi.js";
import { csvColumns } from "./generated/operations.js";

export type ColumnType = "string" | "long" | "double" | "boolean" | "datetime" | "string_list" | "long_list" | "double_list";
export type { CellValue };
/** A row or cell of an export that does not fit (core's {@link CsvRowError}; this name is kept for existing code). */
export { CsvRowError as ExportParseError };

export interface ExportRowOptions extends CsvParseOptions {
  /** The service's registered custom property types (column name -> type); overrides {@link STANDARD_COLUMNS}. */
  columns?: Record<string, ColumnType>;
  /**
   * Offset appended to normalised datetimes, e.g. `'+09:00'` (or `'Z'`). Default: none — the export is in
   * service-local time and datetimes are returned without an offset.
   */
  utcOffset?: string;
  /** What to do with a cell that does not parse as its declared type: throw (default) or keep the raw string. */
  onInvalid?: "error" | "string";
}

/**
 * Types of the standard DFINERY columns as they appear in the exports (system event properties, standard event and
 * item properties, items flattened as `df_items_<item property>`, standard user properties and identities): the
 * spec's export row schemas (`x-cdpkit-column-type`), both exports together.
 */
export const STANDARD_COLUMNS: Readonly<Record<string, ColumnType>> = Object.freeze({
  ...csvColumns.exportEvents,
  ...csvColumns.exportUserProfiles,
});

/**
 * Row of `export/event` (the spec's `EventExportRow`): standard columns typed, custom properties under the index
 * signature. Columns the request does not select are absent; TypeScript cannot mark them optional next to a
 * `CellValue` index signature, so they are declared as present.
 */
export type EventExportRow = components["schemas"]["EventExportRow"];
/** Row of `export/userprofile` (the spec's `UserProfileExportRow`), declared as {@link EventExportRow} is. */
export type UserProfileExportRow = components["schemas"]["UserProfileExportRow"];

const DOT_DATETIME_RE = /^(\d{4})\.(\d{1,2})\.(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO_DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const OFFSET_RE = /^(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** "00" to "99": two-digit fields without a string built per call. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) => (n < 10 ? "0" : "") + String(n));
const pad2 = (n: number): string => TWO_DIGITS[n] ?? String(n);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const DOT = 0x2e;
const COLON = 0x3a;

/** The decimal digit at `i`, or -1 (also past the end). */
function digitAt(raw: string, i: number): number {
  const digit = raw.charCodeAt(i) - 0x30;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/**
 * {@link DOT_DATETIME_RE}, read by character codes: the export's own format, in every row's datetime columns, at a
 * fraction of the regex's cost. Answers `undefined` for anything else, which the regexes then decide.
 */
function parseDotDatetime(raw: string, zone: string): string | undefined {
  const length = raw.length;
  if (length < 13 || raw.charCodeAt(4) !== DOT) return undefined;
  const y0 = digitAt(raw, 0);
  const y1 = digitAt(raw, 1);
  const y2 = digitAt(raw, 2);
  const y3 = digitAt(raw, 3);
  if (y0 < 0 || y1 < 0 || y2 < 0 || y3 < 0) return undefined;
  let at = 5;
  // month, day and hour have one or two digits
  let month = digitAt(raw, at++);
  let digit = digitAt(raw, at);
  if (digit >= 0) ((month = month * 10 + digit), at++);
  if (month < 0 || raw.charCodeAt(at++) !== DOT) return undefined;
  let day = digitAt(raw, at++);
  digit = digitAt(raw, at);
  if (digit >= 0) ((day = day * 10 + digit), at++);
  const separator = raw.charCodeAt(at++);
  if (day < 0 || (separator !== 0x20 /* space */ && separator !== 0x54) /* T */) return undefined;
  let hour = digitAt(raw, at++);
  digit = digitAt(raw, at);
  if (digit >= 0) ((hour = hour * 10 + digit), at++);
  if (hour < 0 || raw.charCodeAt(at++) !== COLON) return undefined;
  const m0 = digitAt(raw, at);
  const m1 = digitAt(raw, at + 1);
  if (m0 < 0 || m1 < 0) return undefined;
  const minute = m0 * 10 + m1;
  at += 2;
  let second = 0;
  // the milliseconds' three digits as character codes ("0" where the text has fewer)
  let ms0 = 0x30;
  let ms1 = 0x30;
  let ms2 = 0x30;
  if (at < length) {
    const s0 = digitAt(raw, at + 1);
    const s1 = digitAt(raw, at + 2);
    if (raw.charCodeAt(at) !== COLON || s0 < 0 || s1 < 0) return undefined;
    second = s0 * 10 + s1;
    at += 3;
    if (at < length) {
      // `.` and 1 to 9 digits, of which milliseconds keep 3
      if (raw.charCodeAt(at) !== DOT || length - at - 1 < 1 || length - at - 1 > 9) return undefined;
      for (let i = at + 1; i < length; i++) if (digitAt(raw, i) < 0) return undefined;
      ms0 = raw.charCodeAt(at + 1);
      if (at + 2 < length) ms1 = raw.charCodeAt(at + 2);
      if (at + 3 < length) ms2 = raw.charCodeAt(at + 3);
    }
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // One string from its character codes: a template literal of the parts costs several times more.
  const iso = String.fromCharCode(
    y0 + 0x30,
    y1 + 0x30,
    y2 + 0x30,
    y3 + 0x30,
    0x2d,
    tens(month),
    ones(month),
    0x2d,
    tens(day),
    ones(day),
    0x54,
    tens(hour),
    ones(hour),
    COLON,
    m0 + 0x30,
    m1 + 0x30,
    COLON,
    tens(second),
    ones(second),
    DOT,
    ms0,
    ms1,
    ms2,
  );
  return zone === "" ? iso : iso + zone;
}

const tens = (n: number): number => 0x30 + ((n / 10) | 0);
const ones = (n: number): number => 0x30 + (n % 10);

function parseDatetime(raw: string, utcOffset: string | undefined): string | undefined {
  const dotted = parseDotDatetime(raw, utcOffset ?? "");
  if (dotted !== undefined) return dotted;
  const m = DOT_DATETIME_RE.exec(raw) ?? ISO_DATETIME_RE.exec(raw);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = ((m[7] ?? "") + "000").slice(0, 3);
  let zone = utcOffset ?? "";
  const own = m[8];
  if (own !== undefined) {
    zone = own === "Z" ? "Z" : own.length === 5 ? `${own.slice(0, 3)}:${own.slice(3)}` : own;
    if (!OFFSET_RE.test(zone)) return undefined;
  }
  return `${m[1]}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${millis}${zone}`;
}

/**
 * Remembers the last text read and its value, per column. An export renders datetimes to the minute
 * (`2025.1.6 10:35`) and its rows come in time order, so a datetime column mostly repeats the text of the row
 * before: one string comparison instead of a parse and a new string per cell. (Datetimes are strings, so rows
 * sharing one value cannot affect each other.)
 */
function lastValueMemo(parse: CellType["parse"]): CellType["parse"] {
  let lastRaw: string | undefined;
  let lastValue: CellValue | undefined;
  return (raw) => {
    if (raw === lastRaw) return lastValue;
    lastValue = parse(raw);
    lastRaw = raw;
    return lastValue;
  };
}

/** DFINERY's type names over core's cell types; `datetime` depends on the caller's `utcOffset`. */
function cellTypesFor(utcOffset: string | undefined): Record<ColumnType, CellType> {
  return {
    string: cellTypes.string,
    long: { ...cellTypes.integer, name: "long" },
    double: { ...cellTypes.number, name: "double" },
    boolean: cellTypes.boolean,
    datetime: { name: "datetime", parse: (raw) => parseDatetime(raw, utcOffset) },
    string_list: { ...cellTypes.stringList, name: "string_list" },
    long_list: { ...cellTypes.integerList, name: "long_list" },
    double_list: { ...cellTypes.numberList, name: "double_list" },
  };
}

const COLUMN_TYPES: ReadonlySet<string> = new Set(Object.keys(cellTypesFor(undefined)));

function validateOptions(options: ExportRowOptions): void {
  if (options.utcOffset !== undefined && !OFFSET_RE.test(options.utcOffset)) {
    throw new RangeError(`utcOffset must look like '+09:00', '-05:30' or 'Z', got ${JSON.stringify(options.utcOffset)}`);
  }
  if (options.onInvalid !== undefined && options.onInvalid !== "error" && options.onInvalid !== "string") {
    throw new RangeError(`onInvalid must be 'error' or 'string', got ${JSON.stringify(options.onInvalid)}`);
  }
  if (options.columns) {
    for (const [name, type] of Object.entries(options.columns)) {
      if (!COLUMN_TYPES.has(type)) throw new RangeError(`columns[${JSON.stringify(name)}]: unknown column type ${JSON.stringify(type)}`);
    }
  }
}

/** The export's reading rules: the cell types for its `utcOffset`, and core row options (`options.columns` first, then {@link STANDARD_COLUMNS}). */
function readingRules(options: ExportRowOptions) {
  validateOptions(options);
  const types = cellTypesFor(options.utcOffset);
  const { columns } = options;
  const rowOptions = {
    ...options,
    source: "dfinery",
    nullValues: NULL_CELLS,
    columns: (name: string): CellType | undefined => {
      const type =
        columns && Object.hasOwn(columns, name)
          ? columns[name]
          : Object.hasOwn(STANDARD_COLUMNS, name)
            ? STANDARD_COLUMNS[name]
            : undefined;
      if (type === undefined) return undefined;
      return type === "datetime" ? { ...types.datetime, parse: lastValueMemo(types.datetime.parse) } : types[type];
    },
  };
  return { types, rowOptions };
}

/** An empty cell and the literal lower-case `null` are both absent values in DFINERY's exports. */
const NULL_CELLS = ["", "null"] as const;

/**
 * Converts one raw CSV cell according to the rules in this module's doc comment.
 * `type` undefined means an unknown column (conservative inference).
 */
export function convertCell(
  raw: string,
  type: ColumnType | undefined,
  ctx: { line: number; column: string; options: ExportRowOptions },
): CellValue {
  if (type !== undefined && !COLUMN_TYPES.has(type)) throw new RangeError(`Unknown column type ${JSON.stringify(type)}`);
  const { types, rowOptions } = readingRules(ctx.options);
  return readCell(raw, type === undefined ? undefined : types[type], { ...ctx, options: rowOptions });
}

/**
 * Streams typed rows from a DFINERY export CSV. The first record is the header; each following record becomes an
 * object keyed by header name. `Row` is an unchecked assertion of the row shape (e.g. {@link EventExportRow});
 * columns not selected in the export request are simply absent.
 */
export function rowsFromCsv<Row extends Record<string, CellValue> = Record<string, CellValue>>(
  source: CsvSource,
  options: ExportRowOptions = {},
): AsyncGenerator<Row> {
  return csvRows<Row>(source, readingRules(options).rowOptions);
}
