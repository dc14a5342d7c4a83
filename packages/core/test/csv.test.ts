import { describe, expect, it } from "vitest";
import { parseCsv, parseCsvBatches, parseCsvRecords } from "../src/csv.js";
import { CsvParseError } from "../src/csv-errors.js";

const enc = new TextEncoder();

async function* chunksOf<T extends Uint8Array | string>(chunks: readonly T[]): AsyncGenerator<T> {
  for (const c of chunks) yield c;
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

/** Parses and returns either the records or (records-before-error, error). */
async function parseAll(
  chunks: readonly (Uint8Array | string)[],
  options?: Parameters<typeof parseCsv>[1],
): Promise<{ rows: string[][]; error?: unknown }> {
  const rows: string[][] = [];
  try {
    for await (const r of parseCsv(chunksOf(chunks), options)) rows.push(r);
    return { rows };
  } catch (error) {
    return { rows, error };
  }
}

const parseString = async (s: string, options?: Parameters<typeof parseCsv>[1]) => collect(parseCsv(chunksOf([enc.encode(s)]), options));

function splitAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of positions) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const c = chunks[i++];
      if (c === undefined) controller.close();
      else controller.enqueue(c);
    },
  });
}

describe("parseCsv basics", () => {
  it("parses simple records with LF and a trailing newline", async () => {
    expect(await parseString("a,b,c\n1,2,3\n")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
  });

  it("handles no trailing newline", async () => {
    expect(await parseString("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("handles CRLF and mixed terminators (incl. bare CR)", async () => {
    expect(await parseString("a,b\r\n1,2\r\n3,4\n5,6\r7,8\r\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
      ["7", "8"],
    ]);
  });

  it("handles empty fields, including leading/trailing commas", async () => {
    expect(await parseString(',a,,b,\n,,\n"",x,""')).toEqual([
      ["", "a", "", "b", ""],
      ["", "", ""],
      ["", "x", ""],
    ]);
    expect(await parseString("a,")).toEqual([["a", ""]]);
  });

  it("handles quoted fields with commas, newlines (LF and CRLF) and escaped quotes", async () => {
    const input = 'id,text\r\n1,"hello, world"\r\n2,"line1\nline2\r\nline3"\r\n3,"say ""hi"""\r\n4,""""\r\n5,"[""1"",""2""]"\r\n';
    expect(await parseString(input)).toEqual([
      ["id", "text"],
      ["1", "hello, world"],
      ["2", "line1\nline2\r\nline3"],
      ["3", 'say "hi"'],
      ["4", '"'],
      ["5", '["1","2"]'],
    ]);
  });

  it("strips a UTF-8 BOM (bytes and string input) but only at the start", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode("a,b\n1,2\n")]);
    expect(await collect(parseCsv(chunksOf([bytes])))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    // BOM split across chunks
    expect(await collect(parseCsv(chunksOf(splitAt(bytes, [1, 2]))))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(await collect(parseCsv(chunksOf(["\uFEFFa,b", "\n\uFEFF1,2"])))).toEqual([
      ["a", "b"],
      ["\uFEFF1", "2"],
    ]);
  });

  it("keeps a quote inside an unquoted field literally", async () => {
    expect(await parseString('a"b,c\n')).toEqual([['a"b', "c"]]);
  });

  it('yields blank lines in the middle as [""] but adds nothing for a trailing newline', async () => {
    expect(await parseString("a\n\nb\n")).toEqual([["a"], [""], ["b"]]);
    expect(await parseString("")).toEqual([]);
    expect(await parseString("\n")).toEqual([[""]]);
  });

  it("accepts string chunks and mixed string / byte chunks", async () => {
    expect(await collect(parseCsv(chunksOf<Uint8Array | string>(['a,"b', enc.encode('""c"\n1'), ",2"])))).toEqual([
      ["a", 'b"c'],
      ["1", "2"],
    ]);
  });

  it("reads from a ReadableStream", async () => {
    const stream = streamOf(splitAt(enc.encode('a,b\n"x\ny",2\n'), [3, 6]));
    expect(await collect(parseCsv(stream))).toEqual([
      ["a", "b"],
      ["x\ny", "2"],
    ]);
    // the lock is released after completion
    expect(stream.locked).toBe(false);
  });

  it("reports record start lines (quoted newlines and CRLF counted once)", async () => {
    const recs = await collect(parseCsvRecords(chunksOf([enc.encode('h1,h2\r\n"a\r\nb",c\r\nd,e\n\nf,g')])));
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4, 5, 6]);
  });
});

describe("parseCsv unquoted runs (fields split natively up to a quote or the line end)", () => {
  const input = 'a,b"c,d\re,,"f,g",h\r\n,"",i"\n,\n"j"\n\nk,l';
  const expected = [["a", 'b"c', "d"], ["e", "", "f,g", "h"], ["", "", 'i"'], ["", ""], ["j"], [""], ["k", "l"]];

  it("reads quotes inside and at the start of fields, bare CR, CRLF, empty fields and lines, at every split", async () => {
    const bytes = enc.encode(input);
    expect(await collect(parseCsv(chunksOf([bytes])))).toEqual(expected);
    for (let p = 0; p <= bytes.length; p++) {
      for (let q = p; q <= bytes.length; q += 2)
        expect(await collect(parseCsv(chunksOf(splitAt(bytes, [p, q])))), `${p},${q}`).toEqual(expected);
    }
    const lines = (await collect(parseCsvRecords(chunksOf([bytes])))).map((r) => r.line);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("a run longer than the field-size check leaves the line to the state machine, which names the field", async () => {
    expect(await parseString("ab,cd\nefg,h\n", { maxFieldBytes: 3 })).toEqual([
      ["ab", "cd"],
      ["efg", "h"],
    ]);
    const error = await parseString("ab,cd\nefgh,i\n", { maxFieldBytes: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvParseError);
    expect(error).toMatchObject({ line: 2, column: 1 });
  });

  it("parseCsvBatches hands out the records of each piece of input together, with their lines", async () => {
    const batches: { fields: string[][]; lines: number[] }[] = [];
    for await (const batch of parseCsvBatches(chunksOf(["a,b\n1,", '2\n"x\ny",3\n', "4,5"]))) {
      batches.push({ fields: [...batch.fields], lines: [...batch.lines] });
    }
    expect(batches).toEqual([
      { fields: [["a", "b"]], lines: [1] },
      {
        fields: [
          ["1", "2"],
          ["x\ny", "3"],
        ],
        lines: [2, 3],
      },
      { fields: [["4", "5"]], lines: [5] },
    ]);
  });
});

describe("parseCsv errors", () => {
  it("throws CsvParseError for an unterminated quote at EOF, naming the line where the field started", async () => {
    const { rows, error } = await parseAll([enc.encode('a,b\n1,2\n3,"open\nstill open')]);
    expect(rows).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(error).toBeInstanceOf(CsvParseError);
    expect((error as CsvParseError).line).toBe(3);
    expect((error as CsvParseError).column).toBe(2);
    expect((error as CsvParseError).message).toMatch(/Unterminated quoted field starting on line 3/);
  });

  it("throws for garbage after a closing quote", async () => {
    const { error } = await parseAll(['a,b\n"x"y,2\n']);
    expect(error).toBeInstanceOf(CsvParseError);
    expect((error as CsvParseError).line).toBe(2);
    expect((error as CsvParseError).column).toBe(1);
  });

  it("enforces maxFieldBytes in UTF-8 bytes, naming the line", async () => {
    expect(await parseString('ab,"가나"\n', { maxFieldBytes: 6 })).toEqual([["ab", "가나"]]);
    const { error } = await parseAll([enc.encode('h\nok\n"가나다"\n')], { maxFieldBytes: 6 }); // 9 bytes
    expect(error).toBeInstanceOf(CsvParseError);
    expect((error as CsvParseError).line).toBe(3);
    expect((error as CsvParseError).message).toMatch(/maxFieldBytes/);
    // an unterminated quote on a huge stream fails at the limit instead of buffering everything
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      yield 'a,"';
      for (;;) {
        pulled++;
        yield "x".repeat(1024);
      }
    }
    await expect(collect(parseCsv(endless(), { maxFieldBytes: 64 * 1024 }))).rejects.toThrow(CsvParseError);
    expect(pulled).toBeLessThan(100);
  });

  it("uses 1 MiB as the default field limit", async () => {
    const big = "x".repeat(1024 * 1024);
    expect((await parseString(`${big}\n`))[0]?.[0]?.length).toBe(1024 * 1024);
    await expect(parseString(`${big}y\n`)).rejects.toThrow(/exceeds maxFieldBytes/);
  });

  it("rejects invalid UTF-8 and a truncated multi-byte sequence at EOF", async () => {
    await expect(collect(parseCsv(chunksOf([new Uint8Array([0x61, 0xff, 0x0a])])))).rejects.toThrow(CsvParseError);
    await expect(collect(parseCsv(chunksOf([new Uint8Array([0x61, 0xea, 0xb0])])))).rejects.toThrow(CsvParseError);
  });

  it("rejects invalid options", () => {
    expect(() => parseCsv(chunksOf([""]), { maxFieldBytes: 0 })).toThrow(RangeError);
  });
});

describe("parseCsv chunk-boundary fuzz", () => {
  const input =
    '\uFEFFname,"quoted, field",note\r\n' +
    '김철수,"서울, 대한민국","그가 말했다 ""안녕""\r\n둘째 줄"\r\n' +
    '"",,😀 emoji\n' +
    '"a""","""b",c\r' +
    'x,y,"z\r\n"\r\n' +
    '한국어,"[""1"",""2""]",끝';
  const bytes = enc.encode(input);

  it("has a stable reference parse", async () => {
    expect(await collect(parseCsv(chunksOf([bytes])))).toEqual([
      ["name", "quoted, field", "note"],
      ["김철수", "서울, 대한민국", '그가 말했다 "안녕"\r\n둘째 줄'],
      ["", "", "😀 emoji"],
      ['a"', '"b', "c"],
      ["x", "y", "z\r\n"],
      ["한국어", '["1","2"]', "끝"],
    ]);
  });

  it('gives identical output for a split at every byte position (incl. mid-character, between "" and \\r\\n)', async () => {
    const reference = await collect(parseCsv(chunksOf([bytes])));
    for (let p = 0; p <= bytes.length; p++) {
      expect(await collect(parseCsv(chunksOf(splitAt(bytes, [p]))))).toEqual(reference);
    }
  });

  it("gives identical output for every pair of split positions", async () => {
    const reference = await collect(parseCsv(chunksOf([bytes])));
    for (let p = 0; p <= bytes.length; p += 1) {
      for (let q = p; q <= bytes.length; q += 3) {
        expect(await collect(parseCsv(chunksOf(splitAt(bytes, [p, q]))))).toEqual(reference);
      }
    }
  });

  it("gives identical output with 1-byte chunks, from a ReadableStream too", async () => {
    const reference = await collect(parseCsv(chunksOf([bytes])));
    const oneByte = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(await collect(parseCsv(chunksOf(oneByte)))).toEqual(reference);
    expect(await collect(parseCsv(streamOf(oneByte)))).toEqual(reference);
  });

  it("gives identical output for string chunks split at every UTF-16 position", async () => {
    const reference = await collect(parseCsv(chunksOf([bytes])));
    for (let p = 0; p <= input.length; p++) {
      expect(await collect(parseCsv(chunksOf([input.slice(0, p), input.slice(p)])))).toEqual(reference);
    }
  });

  it("splits Korean text mid-character correctly", async () => {
    const k = enc.encode("이름,도시\n홍길동,부산\n");
    // '이' is 3 bytes: split after 1 and 2 bytes of it
    expect(await collect(parseCsv(chunksOf(splitAt(k, [1, 2, 4, 5]))))).toEqual([
      ["이름", "도시"],
      ["홍길동", "부산"],
    ]);
  });

  it("errors deterministically: same records then the same error at every split", async () => {
    const bad = enc.encode('a,b\r\n"1\n",2\r\n3,"unterminated');
    const reference = await parseAll([bad]);
    expect(reference.rows).toEqual([
      ["a", "b"],
      ["1\n", "2"],
    ]);
    expect((reference.error as CsvParseError).line).toBe(4);
    for (let p = 0; p <= bad.length; p++) {
      const r = await parseAll(splitAt(bad, [p]));
      expect(r.rows).toEqual(reference.rows);
      expect(r.error).toBeInstanceOf(CsvParseError);
      expect((r.error as CsvParseError).line).toBe(4);
    }
  });
});

describe("parseCsv streaming / early stop", () => {
  it("stops pulling from an async iterable when the consumer stops early, and calls return()", async () => {
    const TOTAL_ROWS = 200_000;
    const ROWS_PER_CHUNK = 100;
    let chunksPulled = 0;
    let finalized = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield enc.encode("id,phone,name\n");
        for (let start = 0; start < TOTAL_ROWS; start += ROWS_PER_CHUNK) {
          let s = "";
          for (let i = start; i < start + ROWS_PER_CHUNK; i++) s += `${i},8210${String(i).padStart(8, "0")},"name ${i}"\n`;
          chunksPulled++;
          yield enc.encode(s);
        }
      } finally {
        finalized = true;
      }
    }
    const rows: string[][] = [];
    for await (const r of parseCsv(source())) {
      rows.push(r);
      if (rows.length === 1001) break;
    }
    expect(rows[0]).toEqual(["id", "phone", "name"]);
    expect(rows[1000]).toEqual(["999", "821000000999", "name 999"]);
    expect(chunksPulled).toBeLessThanOrEqual(11);
    expect(chunksPulled).toBeLessThan(TOTAL_ROWS / ROWS_PER_CHUNK);
    expect(finalized).toBe(true);
  });

  it("cancels a ReadableStream when the consumer calls return()", async () => {
    let pulls = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(enc.encode("n\n"));
        },
        pull(controller) {
          pulls++;
          controller.enqueue(enc.encode(`${pulls}\n`));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const gen = parseCsv(stream);
    expect((await gen.next()).value).toEqual(["n"]);
    expect((await gen.next()).value).toEqual(["1"]);
    expect((await gen.next()).value).toEqual(["2"]);
    await gen.return(undefined);
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
    expect(pulls).toBeLessThan(5);
  });

  it("cancels the source when parsing fails", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode('a\n"x"y\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(collect(parseCsv(stream))).rejects.toThrow(CsvParseError);
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });

  it("parses 200k rows streamed in 1000-row chunks, every row counted and the last one intact", async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let start = 0; start < 200_000; start += 1000) {
        let s = "";
        for (let i = start; i < start + 1000; i++) s += `${i},"q,${i}",plain ${i},,"x""y"\r\n`;
        yield enc.encode(s);
      }
    }
    let count = 0;
    let last: string[] | undefined;
    for await (const r of parseCsv(source())) {
      count++;
      last = r;
    }
    expect(count).toBe(200_000);
    expect(last).toEqual(["199999", "q,199999", "plain 199999", "", 'x"y']);
  });
});
