import { describe, expect, it } from "vitest";
import { cellTypes, csvRows, readCell, type CellType } from "../src/csv-rows.js";
import { CsvRowError } from "../src/csv-errors.js";
import { CdpkitError, MalformedResponseError } from "../src/errors.js";
import { Redactor } from "../src/redact.js";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

async function rows(text: string, options?: Parameters<typeof csvRows>[1]) {
  const out: Record<string, unknown>[] = [];
  for await (const row of csvRows(chunks(text), options)) out.push(row);
  return out;
}

describe("csvRows", () => {
  it("reads each column by its type; unknown columns are inferred (booleans, JSON arrays), never numbers", async () => {
    const columns = (name: string): CellType | undefined => ({ n: cellTypes.integer, x: cellTypes.number })[name];
    const out = await rows('n,x,id,flag,tags\n1,2.5,007,TRUE,"[""a"",""b""]"\n-3,,821012345678,no,"[1,2]"\n', { columns });
    expect(out).toEqual([
      { n: 1, x: 2.5, id: "007", flag: true, tags: ["a", "b"] },
      { n: -3, x: null, id: "821012345678", flag: "no", tags: [1, 2] },
    ]);
  });

  it("nullValues, unknownColumn and onInvalid: 'string' change the reading", async () => {
    const out = await rows("a,b\nNA,x\n", { nullValues: ["NA"], unknownColumn: cellTypes.string });
    expect(out).toEqual([{ a: null, b: "x" }]);
    const kept = await rows("n\nabc\n", { columns: () => cellTypes.integer, onInvalid: "string" });
    expect(kept).toEqual([{ n: "abc" }]);
  });

  it("a cell its type rejects is a CsvRowError naming line, column, type and source, redacted", async () => {
    const redactor = new Redactor({ secrets: ["s3cr3t-value"] });
    const failure = rows("n\n1\ns3cr3t-value\n", { columns: () => cellTypes.integer, source: "acme", redactor });
    await expect(failure).rejects.toBeInstanceOf(CsvRowError);
    const error = (await failure.catch((e: unknown) => e)) as CsvRowError;
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toBeInstanceOf(CdpkitError);
    expect(error).toMatchObject({ line: 3, column: "n", vendor: "acme", value: "[REDACTED]" });
    expect(error.message).toBe('Invalid integer value "[REDACTED]" in column "n" on line 3');
  });

  it("duplicate header names and ragged records are errors; a blank line is skipped", async () => {
    await expect(rows("a,a\n1,2\n")).rejects.toThrow('Duplicate column "a" in the CSV header on line 1');
    await expect(rows("a,b\n1\n")).rejects.toThrow('Line 2 has 1 cells but the header has 2 columns (first missing column "b")');
    expect(await rows("a,b\n1,2\n\n3,4\n")).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
  });

  it("a __proto__ column is data, not the row's prototype", async () => {
    const [row] = await rows("__proto__,b\nx,y\n");
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row!)).toEqual(["__proto__", "b"]);
  });
});

describe("csvRows: generated rows and chunked input", () => {
  const columns = (name: string): CellType | undefined =>
    ({ s: cellTypes.string, n: cellTypes.integer, b: cellTypes.boolean, l: cellTypes.stringList })[name];
  const csv = 's,n,b,l,u\r\nx,1,FALSE,"[""a"",""b""]",TRUE\r\n"q ""1"", 2",,true,,"명\n칭"\r\n\r\n,-2,False,[],\r\n';
  const expected = [
    { s: "x", n: 1, b: false, l: ["a", "b"], u: true },
    { s: 'q "1", 2', n: null, b: true, l: null, u: "명\n칭" },
    { s: null, n: -2, b: false, l: [], u: null },
  ];

  it("reads the same rows whichever byte the chunks split at (inside quotes, CRLF, a multibyte character)", async () => {
    const bytes = new TextEncoder().encode(csv);
    for (let cut = 1; cut < bytes.length; cut++) {
      async function* split(): AsyncGenerator<Uint8Array> {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      }
      const out: Record<string, unknown>[] = [];
      for await (const row of csvRows(split(), { columns })) out.push(row);
      expect(out, `cut at byte ${cut}`).toEqual(expected);
    }
    const oneByteEach: Record<string, unknown>[] = [];
    async function* bytewise(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i++) yield bytes.slice(i, i + 1);
    }
    for await (const row of csvRows(bytewise(), { columns })) oneByteEach.push(row);
    expect(oneByteEach).toEqual(expected);
  });

  it("null values: none, a few (compared inline) or many (looked up), in string and typed columns", async () => {
    expect(await rows("s,n\n,1\n", { columns, nullValues: [] })).toEqual([{ s: "", n: 1 }]);
    await expect(rows("s,n\nx,\n", { columns, nullValues: [] })).rejects.toThrow('Invalid integer value "" in column "n" on line 2');
    const many = ["", "NA", "N/A", "-", "none", "nil", "null", "NULL", "?", "missing"];
    expect(await rows("s,n,u\nmissing,NA,?\n?,7,nil\n", { columns, nullValues: many })).toEqual([
      { s: null, n: null, u: null },
      { s: null, n: 7, u: null },
    ]);
    expect(await rows('s,u\nnull,"null"\n', { nullValues: ["null"], unknownColumn: cellTypes.string })).toEqual([{ s: null, u: null }]);
  });

  it("a rejected cell names its row's line after earlier rows in the same chunk were delivered", async () => {
    const seen: unknown[] = [];
    const failure = (async () => {
      for await (const row of csvRows(chunks("n,b\n1,true\n2,maybe\n3,false\n"), { columns: () => cellTypes.integer })) seen.push(row);
    })();
    await expect(failure).rejects.toThrow('Invalid integer value "true" in column "b" on line 2');
    expect(seen).toEqual([]);
    const kept: unknown[] = [];
    const partial = (async () => {
      for await (const row of csvRows(chunks("n\n1\n2\nx\n4\n"), { columns: () => cellTypes.integer })) kept.push(row);
    })();
    await expect(partial).rejects.toMatchObject({ line: 4, column: "n", value: "x" });
    expect(kept).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("stopping early cancels the source", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("a\n1\n2\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const row of csvRows(stream)) {
      expect(row).toEqual({ a: "1" });
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe("cellTypes", () => {
  const read = (raw: string, type: CellType) => type.parse(raw);
  it("integers are safe integers only; numbers are finite decimals only", () => {
    expect(read("+42", cellTypes.integer)).toBe(42);
    expect(read("9007199254740993", cellTypes.integer)).toBeUndefined();
    expect(read("1.5", cellTypes.integer)).toBeUndefined();
    expect(read(".5", cellTypes.number)).toBe(0.5);
    expect(read("1e3", cellTypes.number)).toBe(1000);
    for (const bad of ["NaN", "Infinity", "0x10", "1e999"]) expect(read(bad, cellTypes.number)).toBeUndefined();
  });

  it("lists: JSON arrays whose elements fit (numbers given as numbers or numeric strings)", () => {
    expect(read('["a","b"]', cellTypes.stringList)).toEqual(["a", "b"]);
    expect(read("[1,2]", cellTypes.stringList)).toBeUndefined();
    expect(read('[1,"2"]', cellTypes.integerList)).toEqual([1, 2]);
    expect(read("[1.5]", cellTypes.integerList)).toBeUndefined();
    expect(read('["1.5", 2]', cellTypes.numberList)).toEqual([1.5, 2]);
    expect(read("not json", cellTypes.numberList)).toBeUndefined();
  });

  it("readCell applies the null values before the type", () => {
    const options = { nullValues: ["", "null"] };
    expect(readCell("null", cellTypes.integer, { line: 2, column: "n", options })).toBeNull();
    expect(() => readCell("x", cellTypes.boolean, { line: 2, column: "b", options })).toThrow(
      'Invalid boolean value "x" in column "b" on line 2',
    );
  });
});
