// Every example in the spec validates against its schema, and the docs' own examples (hard-coded
// here so that dropping one from the spec cannot pass silently) are among them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ID = "https://cdpkit.local/specs/kameleoon/openapi.yaml";
const spec = parse(readFileSync(new URL("../../../specs/kameleoon/openapi.yaml", import.meta.url), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: ID });
const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** [pointer to schema, example value] for every example in the spec. */
function examples(): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const base = `/paths/${esc(path)}/${method}`;
      for (const [type, media] of Object.entries<any>(op.requestBody?.content ?? {})) {
        for (const ex of Object.values<any>(media.examples ?? {})) out.push([`${base}/requestBody/content/${esc(type)}/schema`, ex.value]);
      }
      for (const [status, response] of Object.entries<any>(op.responses)) {
        for (const [type, media] of Object.entries<any>(response.content ?? {})) {
          for (const ex of Object.values<any>(media.examples ?? {}))
            out.push([`${base}/responses/${status}/content/${esc(type)}/schema`, ex.value]);
        }
      }
      for (const p of op.parameters ?? [])
        if (p.schema?.example !== undefined) out.push([`${base}/parameters/${op.parameters.indexOf(p)}/schema`, p.schema.example]);
    }
  }
  return out;
}

describe("docs examples", () => {
  const all = examples();
  it("every example in the spec validates", () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const [pointer, value] of all) {
      const validate = ajv.compile({ $ref: `${ID}#${pointer}` });
      expect(validate(value), `${pointer}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
  // Copied from Kameleoon's endpoint pages (developers.kameleoon.com / docs.kameleoon.com), not from the spec.
  const fromDocs: [string, string, unknown][] = [
    [
      "POST /visit/forget body",
      "/paths/~1visit~1forget/post/requestBody/content/text~1plain/schema",
      "visitorCode1\nvisitorCode2\nvisitorCode3",
    ],
    ["GET /map/maps keys", "/paths/~1map~1maps/get/parameters/1/schema", '["key1","key2"]'],
    [
      "POST /map/maps body (current docs, compact form)",
      "/paths/~1map~1maps/post/requestBody/content/application~1json/schema",
      JSON.parse(
        '{"keyToUpdate":{"field1":"newStringValue","field2":["newArrayValueElement1","newArrayValueElement2"]},"keyToDelete":{},"someVisitorCode":{"someMapProperty":{"name1":0,"name2":["a","b","c"]},"someBooleanProperty":true,"someNumberProperty":25}}',
      ),
    ],
    [
      "POST /map/maps body (older docs page, null deletes a field)",
      "/paths/~1map~1maps/post/requestBody/content/application~1json/schema",
      JSON.parse(
        '{"key1":{"field1ToUpdate":"newStringValue","field2ToUpdate":["newArrayValueElement1","newArrayValueElement2"],"fieldToDelete":null},"someVisitorCode":{"someMapPropertyToUpdate":{"name1":0,"name2":["a","b","c"]},"someBooleanPropertyToUpdate":true,"someNumberPropertyToUpdate":25,"somePropertyToDelete":null}}',
      ),
    ],
  ];
  it.each(fromDocs)("docs example %s is in the spec at its place and validates", (_, pointer, value) => {
    expect(all.some(([p, v]) => p === pointer && JSON.stringify(v) === JSON.stringify(value))).toBe(true);
    const validate = ajv.compile({ $ref: `${ID}#${pointer}` });
    expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
  });
  it("examples not taken from the docs say so (named `illustration`)", () => {
    const named: string[] = [];
    for (const item of Object.values<Record<string, any>>(spec.paths)) {
      for (const op of Object.values<any>(item)) {
        const medias = [
          ...Object.values<any>(op.requestBody?.content ?? {}),
          ...Object.values<any>(op.responses).flatMap((r: any) => Object.values<any>(r.content ?? {})),
        ];
        for (const media of medias)
          for (const [name, ex] of Object.entries<any>(media.examples ?? {})) named.push(`${name}: ${ex.summary}`);
      }
    }
    for (const n of named) expect(n).toMatch(/^(docs\w*: .*docs|illustration: .*cdpkit illustration)/i);
    expect(named.filter((n) => n.startsWith("docs"))).toHaveLength(3);
  });
  it("the map limits of the docs are in the schemas: a key over 100 or a field name over 1024 characters is invalid", () => {
    const validate = ajv.compile({ $ref: `${ID}#/paths/~1map~1maps/post/requestBody/content/application~1json/schema` });
    expect(validate({ ["k".repeat(100)]: { ["f".repeat(1024)]: 1 } })).toBe(true);
    expect(validate({ ["k".repeat(101)]: {} })).toBe(false);
    expect(validate({ k: { ["f".repeat(1025)]: 1 } })).toBe(false);
  });
});
