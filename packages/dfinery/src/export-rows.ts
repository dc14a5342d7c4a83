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
import { defaultRedactor, defineField, excerpt, MalformedResponseError, type Redactor } from "@cdpkit/core";
import { parseCsvRecords, type CsvParseOptions, type CsvSource } from "./csv.js";

export type ColumnType = "string" | "long" | "double" | "boolean" | "datetime" | "string_list" | "long_list" | "double_list";
export type CellValue = string | number | boolean | null | string[] | number[];

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

export interface ExportParseErrorOptions {
  cause?: unknown;
  /** Scrubs message, column and value before they are stored; never kept on the error. */
  redactor?: Redactor;
}

/** Longest `value` an {@link ExportParseError} keeps (core's body-excerpt size); longer cells are cut. */
const MAX_VALUE_CHARS = 8192;

/**
 * A row of the export does not fit its header or a cell does not convert to its column's type. The export is the
 * vendor's answer, so this is a {@link MalformedResponseError} (a `VendorError`, `kind: 'vendor'`) and a
 * `CdpkitError`; message, column and value pass the redactor (the client's own, via {@link ExportRowOptions}).
 */
export class ExportParseError extends MalformedResponseError {
  declare readonly name: "ExportParseError";
  /** 1-based physical line of the record in the CSV (header = line 1). */
  declare readonly line: number;
  /** Column (header) name. */
  declare readonly column: string;
  /** The raw cell text (redacted; cut to an 8 KiB excerpt when longer). */
  declare readonly value: string;

  constructor(message: string, line: number, column: string, value: string, options: ExportParseErrorOptions = {}) {
    const redactor = options.redactor ?? defaultRedactor;
    super({ vendor: "dfinery", message, cause: options.cause, redactor });
    defineField(this, "line", line);
    defineField(this, "column", excerpt(column, MAX_VALUE_CHARS, redactor));
    defineField(this, "value", excerpt(value, MAX_VALUE_CHARS, redactor));
  }
}
// On the prototype, as core names its errors: keeps `name` out of the own fields (and of toJSON's field list).
Object.defineProperty(ExportParseError.prototype, "name", {
  value: "ExportParseError",
  writable: true,
  configurable: true,
  enumerable: false,
});

const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>([
  "string",
  "long",
  "double",
  "boolean",
  "datetime",
  "string_list",
  "long_list",
  "double_list",
]);

/**
 * Built-in types of the standard DFINERY columns (system event properties, standard event/item properties as they
 * appear flattened in the export header (`df_items_<item property>`), standard user properties and identities).
 */
export const STANDARD_COLUMNS: Record<string, ColumnType> = Object.freeze({
  // always-present / system
  df_unified_id: "string",
  df_api_version: "string",
  df_event_name: "string",
  event_name: "string",
  df_event_datetime: "datetime",
  df_server_datetime: "datetime",
  df_correction_datetime: "datetime",
  df_event_log_id: "string",
  df_event_detail_log_id: "string",
  df_service_id: "string",
  df_source_type: "string",
  // standard event properties
  df_order_id: "string",
  df_payment_method: "string",
  df_sharing_channel: "string",
  df_sign_channel: "string",
  df_keyword: "string",
  df_delivery_charge: "double",
  df_discount: "double",
  df_total_purchase_amount: "double",
  df_total_refund_amount: "double",
  // standard item properties, flattened into the event export
  df_items_df_item_id: "string",
  df_items_df_item_name: "string",
  df_items_df_category1: "string",
  df_items_df_category2: "string",
  df_items_df_category3: "string",
  df_items_df_category4: "string",
  df_items_df_category5: "string",
  df_items_df_price: "double",
  df_items_df_discount: "double",
  df_items_df_quantity: "long",
  // standard item properties, unprefixed
  df_item_id: "string",
  df_item_name: "string",
  df_category1: "string",
  df_category2: "string",
  df_category3: "string",
  df_category4: "string",
  df_category5: "string",
  df_price: "double",
  df_quantity: "long",
  // standard user properties (df_birth is a Date `yyyy-MM-dd`, kept as text)
  df_name: "string",
  df_gender: "string",
  df_birth: "string",
  df_membership: "string",
  df_push_optin: "boolean",
  df_push_ads_optin: "boolean",
  df_push_night_ads_optin: "boolean",
  df_sms_ads_optin: "boolean",
  df_kakao_ads_optin: "boolean",
  // identities (user profile export `identities: ["df_external_id", ...]`)
  df_external_id: "string",
  df_email: "string",
  df_phone_no: "string",
  df_kakao_user_id: "string",
  df_line_user_id: "string",
} satisfies Record<string, ColumnType>);

/**
 * Row of `export/event`. Standard columns are typed; custom properties fall under the index signature.
 * The system columns (`df_unified_id` ... `df_source_type`) are always exported. The standard event/item property
 * columns (`df_order_id` onwards) are only present when the export request selects them (`properties` filter);
 * TypeScript cannot mark them optional next to a `CellValue` index signature, so they are declared as present.
 */
export interface EventExportRow {
  [column: string]: CellValue;
  df_unified_id: string | null;
  df_api_version: string | null;
  df_event_name: string | null;
  df_event_datetime: string | null;
  df_server_datetime: string | null;
  df_correction_datetime: string | null;
  df_event_log_id: string | null;
  df_event_detail_log_id: string | null;
  df_service_id: string | null;
  df_source_type: string | null;
  df_order_id: string | null;
  df_payment_method: string | null;
  df_sharing_channel: string | null;
  df_sign_channel: string | null;
  df_keyword: string | null;
  df_delivery_charge: number | null;
  df_discount: number | null;
  df_total_purchase_amount: number | null;
  df_total_refund_amount: number | null;
  df_items_df_item_id: string | null;
  df_items_df_item_name: string | null;
  df_items_df_category1: string | null;
  df_items_df_category2: string | null;
  df_items_df_category3: string | null;
  df_items_df_category4: string | null;
  df_items_df_category5: string | null;
  df_items_df_price: number | null;
  df_items_df_discount: number | null;
  df_items_df_quantity: number | null;
}

/**
 * Row of `export/userprofile`. Standard columns are typed; custom properties fall under the index signature.
 * `df_unified_id` is always exported; the other standard columns are present when selected by the request
 * (`properties` / `identities` filters) — declared as present for the same TypeScript reason as {@link EventExportRow}.
 */
export interface UserProfileExportRow {
  [column: string]: CellValue;
  df_unified_id: string | null;
  df_name: string | null;
  df_gender: string | null;
  df_birth: string | null;
  df_membership: string | null;
  df_push_optin: boolean | null;
  df_push_ads_optin: boolean | null;
  df_push_night_ads_optin: boolean | null;
  df_sms_ads_optin: boolean | null;
  df_kakao_ads_optin: boolean | null;
  df_external_id: string | null;
  df_email: string | null;
  df_phone_no: string | null;
  df_kakao_user_id: string | null;
  df_line_user_id: string | null;
}

const LONG_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOL_RE = /^(?:true|false)$/i;
const DOT_DATETIME_RE = /^(\d{4})\.(\d{1,2})\.(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO_DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const OFFSET_RE = /^(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const INVALID = Symbol("invalid");
type Converted = CellValue | typeof INVALID;

function parseLong(raw: string): number | typeof INVALID {
  if (!LONG_RE.test(raw)) return INVALID;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : INVALID;
}

function parseDouble(raw: string): number | typeof INVALID {
  if (!DOUBLE_RE.test(raw)) return INVALID;
  const n = Number(raw);
  return Number.isFinite(n) ? n : INVALID;
}

const pad2 = (n: number): string => (n < 10 ? "0" : "") + String(n);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function parseDatetime(raw: string, utcOffset: string | undefined): string | typeof INVALID {
  const m = DOT_DATETIME_RE.exec(raw) ?? ISO_DATETIME_RE.exec(raw);
  if (!m) return INVALID;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return INVALID;
  if (hour > 23 || minute > 59 || second > 59) return INVALID;
  const millis = ((m[7] ?? "") + "000").slice(0, 3);
  let zone = utcOffset ?? "";
  const own = m[8];
  if (own !== undefined) {
    zone = own === "Z" ? "Z" : own.length === 5 ? `${own.slice(0, 3)}:${own.slice(3)}` : own;
    if (!OFFSET_RE.test(zone)) return INVALID;
  }
  return `${m[1]}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${millis}${zone}`;
}

function parseJsonArray(raw: string): unknown[] | typeof INVALID {
  const t = raw.trim();
  if (t.charCodeAt(0) !== 0x5b /* [ */ || t.charCodeAt(t.length - 1) !== 0x5d /* ] */) return INVALID;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return INVALID;
  }
  return Array.isArray(v) ? v : INVALID;
}

function parseList(raw: string, type: "string_list" | "long_list" | "double_list"): string[] | number[] | typeof INVALID {
  const arr = parseJsonArray(raw);
  if (arr === INVALID) return INVALID;
  if (type === "string_list") {
    for (const e of arr) if (typeof e !== "string") return INVALID;
    return arr as string[];
  }
  const result: number[] = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const e = arr[i];
    let n: number | typeof INVALID;
    if (typeof e === "number") {
      n = type === "long_list" ? (Number.isSafeInteger(e) ? e : INVALID) : Number.isFinite(e) ? e : INVALID;
    } else if (typeof e === "string") {
      n = type === "long_list" ? parseLong(e) : parseDouble(e);
    } else {
      n = INVALID;
    }
    if (n === INVALID) return INVALID;
    result[i] = n;
  }
  return result;
}

/** Unknown column: boolean or homogeneous JSON array, else the raw string. */
function inferCell(raw: string): CellValue {
  if (raw.length <= 5 && BOOL_RE.test(raw)) return raw.toLowerCase() === "true";
  const c = raw.charCodeAt(0);
  if (c === 0x5b /* [ */ || c === 0x20 || c === 0x09) {
    const arr = parseJsonArray(raw);
    if (arr === INVALID) return raw;
    if (arr.every((e) => typeof e === "string")) return arr as string[];
    // numbers: only if JSON.parse could not have lost precision
    if (arr.every((e) => typeof e === "number" && (!Number.isInteger(e) || Number.isSafeInteger(e)))) return arr as number[];
    return raw;
  }
  return raw;
}

function convert(raw: string, type: ColumnType | undefined, utcOffset: string | undefined): Converted {
  if (raw === "" || raw === "null") return null;
  switch (type) {
    case undefined:
      return inferCell(raw);
    case "string":
      return raw;
    case "long":
      return parseLong(raw);
    case "double":
      return parseDouble(raw);
    case "boolean":
      return BOOL_RE.test(raw) ? raw.toLowerCase() === "true" : INVALID;
    case "datetime":
      return parseDatetime(raw, utcOffset);
    case "string_list":
    case "long_list":
    case "double_list":
      return parseList(raw, type);
    default:
      throw new TypeError(`Unknown column type ${JSON.stringify(type)}`);
  }
}

function preview(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function invalidCell(raw: string, type: ColumnType, line: number, column: string, redactor: Redactor | undefined): ExportParseError {
  return new ExportParseError(`Invalid ${type} value ${preview(raw)} in column "${column}" on line ${line}`, line, column, raw, {
    redactor,
  });
}

function convertOrHandle(
  raw: string,
  type: ColumnType | undefined,
  line: number,
  column: string,
  utcOffset: string | undefined,
  keepInvalid: boolean,
  redactor: Redactor | undefined,
): CellValue {
  const v = convert(raw, type, utcOffset);
  if (v !== INVALID) return v;
  if (keepInvalid) return raw;
  throw invalidCell(raw, type as ColumnType, line, column, redactor);
}

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

/**
 * Converts one raw CSV cell according to the rules in this module's doc comment.
 * `type` undefined means an unknown column (conservative inference).
 */
export function convertCell(
  raw: string,
  type: ColumnType | undefined,
  ctx: { line: number; column: string; options: ExportRowOptions },
): CellValue {
  validateOptions(ctx.options);
  if (type !== undefined && !COLUMN_TYPES.has(type)) throw new RangeError(`Unknown column type ${JSON.stringify(type)}`);
  return convertOrHandle(raw, type, ctx.line, ctx.column, ctx.options.utcOffset, ctx.options.onInvalid === "string", ctx.options.redactor);
}

/** Resolves a column's type: `options.columns` first, then {@link STANDARD_COLUMNS}; undefined = unknown. */
function columnType(name: string, columns: Record<string, ColumnType> | undefined): ColumnType | undefined {
  if (columns && Object.hasOwn(columns, name)) return columns[name];
  return Object.hasOwn(STANDARD_COLUMNS, name) ? STANDARD_COLUMNS[name] : undefined;
}

function setCell(row: Record<string, CellValue>, key: string, value: CellValue): void {
  if (key === "__proto__") Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  else row[key] = value;
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
  validateOptions(options);
  const csvOptions: CsvParseOptions = {};
  if (options.maxFieldBytes !== undefined) csvOptions.maxFieldBytes = options.maxFieldBytes;
  if (options.redactor !== undefined) csvOptions.redactor = options.redactor;
  const records = parseCsvRecords(source, csvOptions);
  return typedRows<Row>(records, options);
}

async function* typedRows<Row extends Record<string, CellValue>>(
  records: AsyncGenerator<{ fields: string[]; line: number }>,
  options: ExportRowOptions,
): AsyncGenerator<Row> {
  const utcOffset = options.utcOffset;
  const keepInvalid = options.onInvalid === "string";
  const redactor = options.redactor;
  let header: string[] | undefined;
  let types: (ColumnType | undefined)[] = [];
  for await (const { fields, line } of records) {
    if (header === undefined) {
      const seen = new Set<string>();
      for (const name of fields) {
        if (seen.has(name)) {
          throw new ExportParseError(`Duplicate column "${name}" in the CSV header on line ${line}`, line, name, name, { redactor });
        }
        seen.add(name);
      }
      header = fields;
      types = fields.map((name) => columnType(name, options.columns));
      continue;
    }
    const width = header.length;
    if (fields.length !== width) {
      if (fields.length === 1 && fields[0] === "" && width > 1) continue; // blank line
      const missing = fields.length < width;
      const column = missing ? (header[fields.length] as string) : `#${width + 1}`;
      throw new ExportParseError(
        `Line ${line} has ${fields.length} cells but the header has ${width} columns` +
          (missing ? ` (first missing column "${column}")` : ` (unexpected extra cell ${column})`),
        line,
        column,
        missing ? "" : (fields[width] as string),
        { redactor },
      );
    }
    const row: Record<string, CellValue> = {};
    for (let i = 0; i < width; i++) {
      const name = header[i] as string;
      setCell(row, name, convertOrHandle(fields[i] as string, types[i], line, name, utcOffset, keepInvalid, redactor));
    }
    yield row as Row;
  }
}
