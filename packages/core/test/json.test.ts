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
