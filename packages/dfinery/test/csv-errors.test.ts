// CsvParseError and ExportParseError are part of core's error hierarchy: a malformed export is the vendor's answer
// being malformed (MalformedResponseError -> VendorError -> CdpkitError), and their text passes the redactor.
import { inspect } from "node:util";
import { CdpkitError, MalformedResponseError, Redactor, VendorError } from "@cdpkit/core";
import { describe, expect, it } from "vitest";
import { CsvParseError } from "@cdpkit/core";
import { parseCsv } from "@cdpkit/core/csv";
import { ExportParseError, convertCell, rowsFromCsv } from "../src/export-rows.js";

const enc = new TextEncoder();
const SECRET = "dfn-export-token-5f3a9c";
const redactor = new Redactor({ secrets: [SECRET] });

async function* chunksOf(chunks: readonly (Uint8Array | string)[]): AsyncGenerator<Uint8Array | string> {
  for (const c of chunks) yield c;
}

async function failureOf(iterable: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of iterable) {
      // drain
    }
  } catch (e) {
    return e;
  }
  throw new Error("expected the parse to fail");
}

describe("CsvParseError in the core hierarchy", () => {
  it("is a MalformedResponseError / VendorError / CdpkitError with its own name, line and column", async () => {
    // The export reader names DFINERY as the source (core's parseCsv alone says "csv").
    const err = await failureOf(rowsFromCsv(chunksOf(['a,b\n"x"y,2\n'])));
    expect(err).toBeInstanceOf(CsvParseError);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(err).toBeInstanceOf(VendorError);
    expect(err).toBeInstanceOf(CdpkitError);
    expect(err).toBeInstanceOf(Error);
    const e = err as CsvParseError;
    expect(e.name).toBe("CsvParseError");
    expect(e.kind).toBe("vendor");
    expect(e.vendor).toBe("dfinery");
    expect(e.line).toBe(2);
    expect(e.column).toBe(1);
    expect(String(e)).toMatch(/^CsvParseError: Unexpected character "y" after closing quote on line 2, field 1/);
    expect(e.toJSON()).toMatchObject({ name: "CsvParseError", kind: "vendor", vendor: "dfinery", line: 2, column: 1 });
    // fields are read-only, like core's
    expect(() => {
      (e as { line: number }).line = 9;
    }).toThrow(TypeError);
  });

  it("has no column when none is known, and keeps the decoder error as cause", async () => {
    const err = (await failureOf(parseCsv(chunksOf([new Uint8Array([0x61, 0xff, 0x0a])])))) as CsvParseError;
    expect(err).toBeInstanceOf(CdpkitError);
    expect(err.line).toBe(1);
    expect("column" in err).toBe(false);
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it("passes message and cause through the redactor it is given", () => {
    const err = new CsvParseError(`bad CSV near ${SECRET}`, 3, 2, { redactor, cause: new Error(`decoder saw ${SECRET}`) });
    expect(err.message).toBe("bad CSV near [REDACTED]");
    expect(inspect(err, { depth: 5 })).not.toContain(SECRET);
    expect(JSON.stringify(err)).not.toContain(SECRET);
    expect(err.line).toBe(3);
    expect(err.column).toBe(2);
  });
});

describe("ExportParseError in the core hierarchy", () => {
  it("is a MalformedResponseError / VendorError / CdpkitError keeping line, column and value", async () => {
    const err = await failureOf(rowsFromCsv(chunksOf(["df_unified_id,df_price\nU1,1\nU2,abc\n"])));
    expect(err).toBeInstanceOf(ExportParseError);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(err).toBeInstanceOf(VendorError);
    expect(err).toBeInstanceOf(CdpkitError);
    const e = err as ExportParseError;
    // ExportParseError is core's CsvRowError under its old name.
    expect(e.name).toBe("CsvRowError");
    expect(e.kind).toBe("vendor");
    expect(e.vendor).toBe("dfinery");
    expect(e.line).toBe(3);
    expect(e.column).toBe("df_price");
    expect(e.value).toBe("abc");
    expect(e.toJSON()).toMatchObject({ name: "CsvRowError", kind: "vendor", line: 3, column: "df_price", value: "abc" });
  });

  it("ragged rows and duplicate headers are CdpkitErrors too", async () => {
    expect(await failureOf(rowsFromCsv(chunksOf(["a,b\n1\n"])))).toBeInstanceOf(CdpkitError);
    expect(await failureOf(rowsFromCsv(chunksOf(["a,a\n1,2\n"])))).toBeInstanceOf(CdpkitError);
  });

  it("CSV syntax errors from rowsFromCsv keep their class and get the redactor of the options", async () => {
    const err = await failureOf(rowsFromCsv(chunksOf(['a,b\n1,"open']), { redactor }));
    expect(err).toBeInstanceOf(CsvParseError);
    expect(err).toBeInstanceOf(CdpkitError);
  });

  it("scrubs a secret out of message and value with the redactor of the options", async () => {
    const err = (await failureOf(rowsFromCsv(chunksOf([`df_unified_id,df_price\nU1,${SECRET}\n`]), { redactor }))) as ExportParseError;
    expect(err).toBeInstanceOf(ExportParseError);
    expect(err.value).toBe("[REDACTED]");
    expect(err.message).toBe('Invalid double value "[REDACTED]" in column "df_price" on line 2');
    for (const text of [err.message, String(err), JSON.stringify(err), inspect(err, { depth: 5 })]) expect(text).not.toContain(SECRET);
    const direct = (() => {
      try {
        return convertCell(SECRET, "long", { line: 4, column: "c", options: { redactor } });
      } catch (e) {
        return e;
      }
    })() as ExportParseError;
    expect(direct).toBeInstanceOf(CdpkitError);
    expect(direct.value).toBe("[REDACTED]");
  });

  it("keeps an excerpt of a huge cell, not the whole cell", () => {
    const huge = "x".repeat(100_000);
    const err = new ExportParseError("bad", 2, "c", huge);
    expect(err.value.length).toBeLessThan(9000);
    expect(err.value.startsWith("x".repeat(8192))).toBe(true);
  });
});
