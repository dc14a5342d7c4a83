import { describe, expect, it } from "vitest";
import { jsonIssues, measureJson, utf8Bytes, withFields } from "../src/index.js";

describe("utf8Bytes", () => {
  it("counts what TextEncoder encodes, for every width and for lone surrogates", () => {
    const encoder = new TextEncoder();
    for (const text of [
      "",
      "plain ascii",
      "é ü ß",
      "한국어 이벤트",
      "emoji 😀 and 𝄞",
      "lone \ud800 high",
      "lone \udc00 low",
      "end \ud83d",
    ]) {
      expect(utf8Bytes(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe("jsonIssues", () => {
  it("names the path of each value JSON would lose, however deep", () => {
    const cyclic: Record<string, unknown> = { ok: 1 };
    cyclic.self = cyclic;
    const issues = jsonIssues({ a: { b: [1, Number.NaN] }, "odd key": 10n, when: new Date("nope"), cyclic }, "events[3]");
    expect(issues.map((i) => i.path)).toEqual(["events[3].a.b[1]", 'events[3]["odd key"]', "events[3].when", "events[3].cyclic.self"]);
  });

  it("finds nothing in a plain event, and measureJson sends its JSON", () => {
    const event = { name: "view", props: { n: 1, tags: ["a", "é"] } };
    expect(jsonIssues(event, "e")).toEqual([]);
    expect(measureJson(event, "e")).toEqual({ json: JSON.stringify(event), bytes: Buffer.byteLength(JSON.stringify(event)) });
  });
});

describe("measureJson", () => {
  const pathsOf = (measured: ReturnType<typeof measureJson>) => ("issues" in measured ? measured.issues.map((i) => i.path) : []);

  it("refuses what JSON would turn into null or cannot write, with the path, next to real nulls and 'null' text", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(pathsOf(measureJson({ given: null, text: "null", deep: { n: Number.NaN } }, "events[1]"))).toEqual(["events[1].deep.n"]);
    expect(pathsOf(measureJson({ at: new Date("nope") }, "events[2]"))).toEqual(["events[2].at"]);
    expect(pathsOf(measureJson({ list: [1, Number.POSITIVE_INFINITY] }, "events[3]"))).toEqual(["events[3].list[1]"]);
    expect(pathsOf(measureJson({ big: 1n }, "events[4]"))).toEqual(["events[4].big"]);
    expect(pathsOf(measureJson({ cyclic }, "events[5]"))).toEqual(["events[5].cyclic.self"]);
  });

  it("sends JSON holding nulls and the text null when nothing in it is lost", () => {
    const event = { given: null, text: "null", list: [null, 1] };
    expect(measureJson(event, "e")).toEqual({ json: JSON.stringify(event), bytes: JSON.stringify(event).length });
  });

  it("names a getter that throws, and a value with no JSON form, without echoing them", () => {
    const throwing = {
      get secret(): string {
        throw new Error("no");
      },
    };
    const failed = measureJson(throwing, () => "events[6]");
    expect(failed).toEqual({ issues: [{ path: "events[6]", message: "cannot be serialised as JSON (Error: no)" }] });
    expect(measureJson(undefined, "events[7]")).toEqual({
      issues: [{ path: "events[7]", message: "has no JSON form (undefined, a function or a symbol)" }],
    });
  });
});

describe("withFields", () => {
  it("copies the item with the fields set, leaving the caller's object as it was", () => {
    const given = { label: "view", client: { id: 1 }, eventSalt: undefined as string | undefined };
    const copy = withFields(given, { eventSalt: "salt" });
    expect(copy).toEqual({ label: "view", client: { id: 1 }, eventSalt: "salt" });
    expect(given.eventSalt).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...given, eventSalt: "salt" }));
  });

  it("keeps an own __proto__ key as data, as a spread does", () => {
    const given = JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}') as Record<string, unknown>;
    const copy = withFields(given, { id: "1" }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"name":"x","id":"1"}');
  });
});
