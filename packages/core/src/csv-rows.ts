/**
 * Typed rows from CSV: the header names the columns, each following record becomes one object, each cell is read
 * by its column's {@link CellType}. Vendors' CSV exports (DFINERY) and the `cdpkit` command's CSV imports share it;
 * the vendor brings its vocabulary (which columns have which type, its own date formats).
 *
 * - The first record is the header; a duplicate name is an error.
 * - Every other record has exactly as many cells as the header, or {@link CsvRowError} names the line. A
 *   completely empty line is skipped when the header has more than one column.
 * - A cell equal to one of `nullValues` (default: the empty cell) is `null` whatever its column's type.
 * - A cell its type does not accept throws {@link CsvRowError} (default), or with `onInvalid: 'string'` is kept
 *   as the raw text.
 * - Columns without a type are read by `unknownColumn`, by default {@link cellTypes}`.inferred`: booleans and
 *   homogeneous JSON arrays only, never numbers or dates (ids such as `007` or `821012345678` would be corrupted).
 */
import { parseCsvBatches, type CsvParseOptions, type CsvSource } from "./csv.js";
import { CsvRowError } from "./csv-errors.js";

export type CellValue = string | number | boolean | null | string[] | number[];

/** How one column's text becomes a value; `parse` answers `undefined` for text that is not of the type. */
export interface CellType {
  /** Named in errors: `Invalid <name> value ...`. */
  readonly name: string;
  parse(raw: string): CellValue | undefined;
}

export interface CsvRowOptions extends CsvParseOptions {
  /** The type of each known column, by header name. */
  columns?: (name: string) => CellType | undefined;
  /** The type of a column `columns` does not know. Default {@link cellTypes}`.inferred`. */
  unknownColumn?: CellType;
  /** Cell texts read as `null` in every column. Default `[""]`. */
  nullValues?: readonly string[];
  /** A cell its type rejects: throw (default) or keep the raw string. */
  onInvalid?: "error" | "string";
}

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_RE = /^(?:true|false)$/i;

/** An optional sign and decimal digits only, within the safe integers (|n| <= 2^53-1). */
function parseInteger(raw: string): number | undefined {
  if (!INTEGER_RE.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A finite decimal number (`1`, `-1.5`, `.5`, `1e3`); `NaN`, `Infinity` and hex are not. */
function parseNumber(raw: string): number | undefined {
  if (!NUMBER_RE.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function parseJsonArray(raw: string): unknown[] | undefined {
  const t = raw.trim();
  if (t.charCodeAt(0) !== 0x5b /* [ */ || t.charCodeAt(t.length - 1) !== 0x5d /* ] */) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON array whose elements are numbers, or strings the scalar rule accepts (numeric lists are rendered both ways). */
function numberList(name: string, scalar: (raw: string) => number | undefined, accepts: (n: number) => boolean): CellType {
  return {
    name,
    parse(raw) {
      const array = parseJsonArray(raw);
      if (array === undefined) return undefined;
      const result = new Array<number>(array.length);
      for (let i = 0; i < array.length; i++) {
        const e = array[i];
        const n = typeof e === "number" ? (accepts(e) ? e : undefined) : typeof e === "string" ? scalar(e) : undefined;
        if (n === undefined) return undefined;
        result[i] = n;
      }
      return result;
    },
  };
}

/** `true` / `false` in any letter case; the renderings exports use are compared before the case-blind test. */
function parseBoolean(raw: string): boolean | undefined {
  if (raw === "FALSE" || raw === "false") return false;
  if (raw === "TRUE" || raw === "true") return true;
  return raw.length <= 5 && BOOLEAN_RE.test(raw) ? raw.toLowerCase() === "true" : undefined;
}

/** Booleans and homogeneous JSON arrays; everything else stays text (never a number or a date). */
function inferCell(raw: string): CellValue {
  const flag = parseBoolean(raw);
  if (flag !== undefined) return flag;
  const c = raw.charCodeAt(0);
  if (c !== 0x5b /* [ */ && c !== 0x20 && c !== 0x09) return raw;
  const array = parseJsonArray(raw);
  if (array === undefined) return raw;
  if (array.every((e) => typeof e === "string")) return array as string[];
  // numbers only where JSON.parse cannot have lost precision
  if (array.every((e) => typeof e === "number" && (!Number.isInteger(e) || Number.isSafeInteger(e)))) return array as number[];
  return raw;
}

/** The cell types every CSV source shares; a vendor renames them to its own vocabulary with `{ ...type, name }`. */
export const cellTypes = Object.freeze({
  string: { name: "string", parse: (raw: string) => raw },
  integer: { name: "integer", parse: parseInteger },
  number: { name: "number", parse: parseNumber },
  /** `true` / `false` in any letter case. */
  boolean: { name: "boolean", parse: parseBoolean },
  /** A JSON array of strings (a quoted CSV cell such as `"[""1"",""2""]"`). */
  stringList: {
    name: "string list",
    parse: (raw: string) => {
      const array = parseJsonArray(raw);
      return array?.every((e) => typeof e === "string") ? (array as string[]) : undefined;
    },
  },
  integerList: numberList("integer list", parseInteger, Number.isSafeInteger),
  numberList: numberList("number list", parseNumber, Number.isFinite),
  inferred: { name: "inferred", parse: inferCell },
} satisfies Record<string, CellType>);

export interface CellContext {
  line: number;
  column: string;
  options: CsvRowOptions;
}

const DEFAULT_NULLS: readonly string[] = [""];

/** Reads one cell as {@link csvRows} would; `type` undefined means an unknown column. */
export function readCell(raw: string, type: CellType | undefined, { line, column, options }: CellContext): CellValue {
  return cellReader(type, column, options)(raw, line);
}

type CellReader = (raw: string, line: number) => CellValue;

/** How one column reads a cell, decided once per header: the type's parser and what to do with text it rejects. */
interface ColumnReading {
  parse: CellType["parse"];
  /** The parser is the identity (`cellTypes.string`): a non-null cell is its own value. */
  verbatim: boolean;
  rejected: CellReader;
}

function columnReading(type: CellType | undefined, column: string, options: CsvRowOptions): ColumnReading {
  const parse = (type ?? options.unknownColumn ?? cellTypes.inferred).parse;
  const rejected: CellReader =
    options.onInvalid === "string"
      ? (raw) => raw
      : (raw, line) => {
          const preview = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
          throw new CsvRowError(
            `Invalid ${type?.name ?? "cell"} value ${preview} in column "${column}" on line ${line}`,
            line,
            column,
            raw,
            options,
          );
        };
  return { parse, verbatim: parse === cellTypes.string.parse, rejected };
}

/** One column's reader: null values, the type, what to do with text it rejects. */
function cellReader(type: CellType | undefined, column: string, options: CsvRowOptions): CellReader {
  const nulls = new Set(options.nullValues ?? DEFAULT_NULLS);
  const emptyIsNull = nulls.has("");
  const otherNulls = nulls.size > (emptyIsNull ? 1 : 0);
  const { parse, rejected } = columnReading(type, column, options);
  return (raw, line) => {
    if (raw === "" ? emptyIsNull : otherNulls && nulls.has(raw)) return null;
    const value = parse(raw);
    return value !== undefined ? value : rejected(raw, line);
  };
}

type RowBuilder = (fields: readonly string[], line: number) => Record<string, CellValue>;

/** Up to this many null values are compared inline in generated code; more are looked up in a Set. */
const INLINE_NULLS = 8;

/**
 * Builds a header's rows. Where the runtime allows generated code, each row is one object literal with the
 * header's keys (measured 1.5-1.8x faster than setting 47 keys one by one: one hidden class, no transitions), and
 * each cell's null test, parser call and rejection are inlined in it: a null or string cell costs no call, and each
 * parser call site sees one function. Under a policy that forbids generated code (a browser CSP, some edge runtimes)
 * the keys are set in a loop of per-column readers.
 */
function rowBuilder(header: readonly string[], options: CsvRowOptions): RowBuilder {
  const readings = header.map((name) => columnReading(options.columns?.(name), name, options));
  if (!header.includes("__proto__")) {
    try {
      return generatedRowBuilder(header, readings, options);
    } catch {
      // generated code not allowed here: the loop below
    }
  }
  const readers = header.map((name) => cellReader(options.columns?.(name), name, options));
  return (fields, line) => {
    const row: Record<string, CellValue> = {};
    for (let i = 0; i < header.length; i++) {
      const column = header[i] as string;
      const value = (readers[i] as CellReader)(fields[i] as string, line);
      // A "__proto__" column is data, not the row's prototype.
      if (column === "__proto__") Object.defineProperty(row, column, { value, enumerable: true, writable: true, configurable: true });
      else row[column] = value;
    }
    return row;
  };
}

function generatedRowBuilder(header: readonly string[], readings: readonly ColumnReading[], options: CsvRowOptions): RowBuilder {
  const nulls = new Set(options.nullValues ?? DEFAULT_NULLS);
  const nullTest =
    nulls.size === 0 ? "" : nulls.size <= INLINE_NULLS ? [...nulls].map((n) => `c === ${JSON.stringify(n)}`).join(" || ") : "nulls.has(c)";
  const cell = (reading: ColumnReading, i: number): string => {
    const value = reading.verbatim ? "c" : `(v = p${i}(c)) !== undefined ? v : x${i}(c, line)`;
    return nullTest === "" ? `(c = f[${i}], ${value})` : `((c = f[${i}]), ${nullTest}) ? null : ${value}`;
  };
  const bindings = readings.map((_, i) => `const p${i} = readings[${i}].parse, x${i} = readings[${i}].rejected;`).join("\n");
  const body = header.map((name, i) => `${JSON.stringify(name)}: ${cell(readings[i] as ColumnReading, i)}`).join(",\n");
  const build = new Function("readings", "nulls", `${bindings}\nreturn (f, line) => {\nlet c, v;\nreturn {\n${body}\n};\n};`) as (
    readings: readonly ColumnReading[],
    nulls: ReadonlySet<string>,
  ) => RowBuilder;
  return build(readings, nulls);
}

/**
 * Streams typed rows from CSV. `Row` is an unchecked assertion of the row shape; columns absent from the header
 * are absent from the rows.
 */
export async function* csvRows<Row extends Record<string, CellValue> = Record<string, CellValue>>(
  source: CsvSource,
  options: CsvRowOptions = {},
): AsyncGenerator<Row> {
  let header: string[] | undefined;
  let build: RowBuilder | undefined;
  // Records arrive a chunk at a time: the rows of one chunk are built and handed out without an async step between.
  for await (const { fields: records, lines } of parseCsvBatches(source, options)) {
    let k = 0;
    if (header === undefined) {
      const fields = records[0] as string[];
      const line = lines[0] as number;
      const seen = new Set<string>();
      for (const name of fields) {
        if (seen.has(name))
          throw new CsvRowError(`Duplicate column "${name}" in the CSV header on line ${line}`, line, name, name, options);
        seen.add(name);
      }
      header = fields;
      build = rowBuilder(header, options);
      k = 1;
    }
    const width = header.length;
    for (; k < records.length; k++) {
      const fields = records[k] as string[];
      const line = lines[k] as number;
      if (fields.length !== width) {
        if (fields.length === 1 && fields[0] === "" && width > 1) continue; // blank line
        const missing = fields.length < width;
        const column = missing ? (header[fields.length] as string) : `#${width + 1}`;
        throw new CsvRowError(
          `Line ${line} has ${fields.length} cells but the header has ${width} columns` +
            (missing ? ` (first missing column "${column}")` : ` (unexpected extra cell ${column})`),
          line,
          column,
          missing ? "" : (fields[width] as string),
          options,
        );
      }
      yield (build as RowBuilder)(fields, line) as Row;
    }
  }
}
