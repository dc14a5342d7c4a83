import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type CellType, type CsvRowOptions } from "@cdpkit/core";
import { cellTypes, parseCsvRecords, readCell } from "@cdpkit/core/csv";
import { Tokenizer, TokenParser, TokenType, type ParsedTokenInfo } from "@streamparser/json";
import { UsageError } from "./exit.js";

export type InputFormat = "ndjson" | "json" | "csv";
export const INPUT_FORMATS: readonly InputFormat[] = ["ndjson", "json", "csv"];

/** One record of the input: its 0-based index, the line it starts on, and its value or why it has none. */
export type InputRecord =
  | { readonly index: number; readonly line: number; readonly value: unknown }
  | { readonly index: number; readonly line: number; readonly error: string; readonly raw: unknown };

export interface OpenedInput {
  /** The path as given, or `stdin`. */
  readonly label: string;
  /** Absolute path, or undefined for standard input. */
  readonly path: string | undefined;
  readonly format: InputFormat;
  readonly gzip: boolean;
  /** Size of the file on disk (compressed when gzip), when known: progress and ETA are by bytes read. */
  readonly totalBytes: number | undefined;
  /** SHA-256 of the first 64 KiB as stored: a checkpoint belongs to this input only. */
  readonly fingerprint: string;
  bytesRead(): number;
  records(): AsyncGenerator<InputRecord>;
}

const FINGERPRINT_BYTES = 64 * 1024;
/** A line of a dead-letter file: `{"_deadLetter": {...}, "record": {...}}`; `import` reads `record`. */
export const DEAD_LETTER_KEY = "_deadLetter";

/**
 * Opens a file (or `-` for standard input) for streaming: gzip is recognised by its magic bytes, the
 * format by `--format`, else the extension (`.ndjson`/`.jsonl`, `.json`, `.csv`, before `.gz`), else the
 * first character (`[` a JSON array, `{` NDJSON, anything else CSV). Nothing is read whole.
 */
export async function openInput(given: string, format?: InputFormat): Promise<OpenedInput> {
  const path = given === "-" ? undefined : resolve(given);
  let totalBytes: number | undefined;
  if (path !== undefined) {
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new UsageError(`${given} is not a file`);
      totalBytes = stat.size;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${given}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const raw: AsyncIterator<Buffer> = (path === undefined ? process.stdin : createReadStream(path))[Symbol.asyncIterator]();
  let read = 0;
  // The head is kept to fingerprint the input and to sniff gzip and the format; then replayed.
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < FINGERPRINT_BYTES) {
    const next = await raw.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  read = headBytes;
  const headBuffer = Buffer.concat(head);
  const fingerprint = createHash("sha256").update(headBuffer.subarray(0, FINGERPRINT_BYTES)).digest("hex");
  const gzip = headBuffer[0] === 0x1f && headBuffer[1] === 0x8b;

  async function* rawBytes(): AsyncGenerator<Buffer> {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await raw.next();
      if (next.done) return;
      read += next.value.length;
      yield next.value;
    }
  }
  const bytes = (): AsyncIterable<Buffer> => (gzip ? Readable.from(rawBytes()).pipe(createGunzip()) : rawBytes());
  const detected = format ?? formatFromName(given) ?? (await sniffFormat(gzip ? bytes() : head));

  return {
    label: path === undefined ? "stdin" : given,
    path,
    format: detected,
    gzip,
    totalBytes,
    fingerprint,
    bytesRead: () => read,
    records: () => (detected === "csv" ? csvRecords(bytes()) : detected === "json" ? jsonArrayRecords(bytes()) : ndjsonRecords(bytes())),
  };
}

function formatFromName(name: string): InputFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (base.endsWith(".ndjson") || base.endsWith(".jsonl")) return "ndjson";
  if (base.endsWith(".csv")) return "csv";
  return undefined; // .json may hold an array or one object per line: sniffed
}

async function sniffFormat(chunks: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<InputFormat> {
  for await (const chunk of chunks) {
    for (const byte of chunk) {
      if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
      return byte === 0x5b ? "json" : byte === 0x7b ? "ndjson" : "csv";
    }
  }
  return "ndjson";
}

/** A dead-letter line stands for the record it carries (fixed by hand, then fed back). */
function unwrapDeadLetter(value: unknown): unknown {
  if (value !== null && typeof value === "object" && DEAD_LETTER_KEY in value && "record" in value) {
    return (value as { record: unknown }).record;
  }
  return value;
}

async function* ndjsonRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<InputRecord> {
  const lines = createInterface({ input: Readable.from(bytes), crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = unwrapDeadLetter(JSON.parse(text));
    } catch (error) {
      yield { index: index++, line, error: `not valid JSON (${(error as Error).message})`, raw: text };
      continue;
    }
    yield { index: index++, line, value };
  }
}

/**
 * The elements of a top-level JSON array, streamed, each with the line its first character is on (the
 * tokenizer reports byte offsets; newlines are counted up to each element's first token).
 */
async function* jsonArrayRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<InputRecord> {
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: ["$.*"], keepStack: false });
  const ready: InputRecord[] = [];
  const startLines: number[] = [];
  let depth = 0;
  let index = 0;
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  let linesBeforeChunk = 1;
  let scanned = 0;
  let linesAtScanned = 1;
  const lineAt = (offset: number): number => {
    const within = offset - chunkStart;
    if (within < 0) return linesBeforeChunk;
    while (scanned < within && scanned < chunk.length) if (chunk[scanned++] === 0x0a) linesAtScanned++;
    return linesAtScanned;
  };
  let failure: Error | undefined;
  tokenizer.onToken = (info: ParsedTokenInfo) => {
    const { token } = info;
    if (depth === 0 && token !== TokenType.LEFT_BRACKET) {
      failure ??= new UsageError("a .json input must be an array of records (or give one record per line, NDJSON)");
      return;
    }
    const opens = token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET;
    const closes = token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET;
    if (depth === 1 && !closes && token !== TokenType.COMMA) startLines.push(lineAt(info.offset));
    if (opens) depth++;
    if (closes) depth--;
    parser.write(info);
  };
  parser.onValue = ({ value }) => {
    ready.push({ index: index++, line: startLines.shift() ?? linesAtScanned, value: unwrapDeadLetter(value) });
  };
  tokenizer.onError = (error) => (failure ??= error);
  parser.onError = (error) => (failure ??= error);
  for await (const next of bytes) {
    chunk = next;
    scanned = 0;
    linesAtScanned = linesBeforeChunk;
    tokenizer.write(next);
    while (scanned < chunk.length) if (chunk[scanned++] === 0x0a) linesAtScanned++;
    chunkStart += chunk.length;
    linesBeforeChunk = linesAtScanned;
    if (failure) break;
    yield* ready.splice(0);
  }
  if (!failure && depth !== 0) failure = new Error("the JSON array is not closed");
  yield* ready.splice(0);
  if (failure) {
    throw failure instanceof UsageError ? failure : new UsageError(`invalid JSON near line ${linesAtScanned}: ${failure.message}`);
  }
}

/** `name:type` in a CSV header: the cell's type; a dotted name builds nested objects. */
const CSV_TYPES: Record<string, CellType> = {
  string: cellTypes.string,
  number: cellTypes.number,
  integer: cellTypes.integer,
  boolean: cellTypes.boolean,
  json: {
    name: "json",
    parse: (raw) => {
      try {
        return JSON.parse(raw) as ReturnType<CellType["parse"]>;
      } catch {
        return undefined;
      }
    },
  },
};
export const CSV_TYPE_NAMES = Object.keys(CSV_TYPES);

interface CsvColumn {
  readonly header: string;
  readonly path: readonly string[];
  readonly type: CellType | undefined;
}

function csvColumn(header: string): CsvColumn {
  const colon = header.lastIndexOf(":");
  const typeName = colon > 0 ? header.slice(colon + 1).trim() : undefined;
  const type = typeName === undefined ? undefined : CSV_TYPES[typeName];
  if (typeName !== undefined && type === undefined) {
    throw new UsageError(`CSV column "${header}": unknown type "${typeName}" (one of ${CSV_TYPE_NAMES.join(", ")})`);
  }
  const name = colon > 0 ? header.slice(0, colon) : header;
  const path = name.split(".");
  if (path.some((part) => part === "" || part === "__proto__")) throw new UsageError(`CSV column "${header}": not a usable field name`);
  return { header, path, type };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    node = (child !== null && typeof child === "object" ? child : (node[key] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * CSV with a header row. An empty cell leaves its field out (a `null` must be written as `null` in a
 * `:json` column); a row that does not fit the header, or a cell its type rejects, is a record with an
 * error (dead-lettered), not the end of the import.
 */
async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<InputRecord> {
  let columns: CsvColumn[] | undefined;
  let index = 0;
  const options: CsvRowOptions = { source: "input" };
  for await (const { fields, line } of parseCsvRecords(bytes, { source: "input" })) {
    if (columns === undefined) {
      columns = fields.map(csvColumn);
      continue;
    }
    if (fields.length === 1 && fields[0] === "" && columns.length > 1) continue;
    if (fields.length !== columns.length) {
      yield { index: index++, line, error: `has ${fields.length} cells but the header has ${columns.length} columns`, raw: fields };
      continue;
    }
    const build = (cellOptions: CsvRowOptions): Record<string, unknown> => {
      const record: Record<string, unknown> = {};
      columns!.forEach((column, i) => {
        const text = fields[i]!;
        if (text !== "") setPath(record, column.path, readCell(text, column.type, { line, column: column.header, options: cellOptions }));
      });
      return record;
    };
    let record: Record<string, unknown>;
    try {
      record = build(options);
    } catch (error) {
      // Dead-lettered with the offending cell as text, so the fixed record can be imported as NDJSON.
      yield { index: index++, line, error: (error as Error).message, raw: build({ ...options, onInvalid: "string" }) };
      continue;
    }
    yield { index: index++, line, value: record };
  }
}
