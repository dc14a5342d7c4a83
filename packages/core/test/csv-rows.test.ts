import { describe, expect, it } from "vitest";
import { cellTypes, csvRows, CsvRowError, readCell, type CellType } from "../src/csv-rows.js";
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
