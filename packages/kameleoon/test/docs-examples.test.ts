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
          for (const ex of Object.values<any>(media.examples ?? {})) out.push([`${base}/responses/${status}/content/${esc(type)}/schema`, ex.value]);
        }
      }
      for (const p of op.parameters ?? []) if (p.schema?.example !== undefined) out.push([`${base}/parameters/${op.parameters.indexOf(p)}/schema`, p.schema.example]);
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
  it("the docs' examples are in the spec: map keys, a map body deleting a key, the line format", () => {
    const values = all.map(([, v]) => JSON.stringify(v));
    expect(values).toContain(JSON.stringify('["key1","key2"]')); // "keys ... e.g. ["key1","key2"]"
    expect(all.some(([p, v]) => p.includes("map~1maps/post") && JSON.stringify(v).includes('"keyToDelete":{}'))).toBe(true); // "keyToDelete": {}
    expect(all.some(([p, v]) => p.includes("text~1plain") && typeof v === "string" && /^eventType=\w+&.*nonce=[0-9A-F]{16}/.test(v))).toBe(true);
  });
});
