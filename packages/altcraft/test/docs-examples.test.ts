// The docs' examples validate against the spec: the two in the docs' text (hard-coded below, so that
// dropping one from the spec cannot pass silently) and every example the spec carries.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ID = "https://cdpkit.local/specs/altcraft/openapi.bundled.yaml";
const spec = parse(readFileSync(new URL("../src/generated/openapi.bundled.yaml", import.meta.url), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: ID });
const at = (pointer: string) => ajv.compile({ $ref: `${ID}#${pointer}` });
const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

// "Authorization ... Example:" and "Response example (Successful operation):" of the request-format page.
const DOCS_REQUEST = {
  token: "bfc505684d774e52b188fa1f003cd5ed",
  db_id: 1,
  resource_id: 1,
  matching: "email",
  email: "example@example.com",
  data: { _status: 0, _fname: "Jim", _lname: "Jones", email: "example@example.com", phones: ["+79000000000"] },
};
const DOCS_RESPONSE = { error: 0, error_text: "Successful operation", profile_id: "5f4fa1a5ce9448665fef548e" };
const IMPORT = `/paths/${esc("/api/v1.1/profiles/import")}/post`;

describe("docs examples", () => {
  it("the request example is a valid profiles/import body and is the spec's example", () => {
    const validate = at(`${IMPORT}/requestBody/content/application~1json/schema`);
    expect(validate(DOCS_REQUEST), ajv.errorsText(validate.errors)).toBe(true);
    expect(spec.paths["/api/v1.1/profiles/import"].post.requestBody.content["application/json"].examples.docs.value).toEqual(DOCS_REQUEST);
  });
  it("the response example is a valid profiles/import answer and is the spec's example", () => {
    const validate = at(`${IMPORT}/responses/200/content/application~1json/schema`);
    expect(validate(DOCS_RESPONSE), ajv.errorsText(validate.errors)).toBe(true);
    expect(spec.paths["/api/v1.1/profiles/import"].post.responses["200"].content["application/json"].examples.success.value).toEqual(
      DOCS_RESPONSE,
    );
  });
  it("every example in the spec validates against its schema", () => {
    let count = 0;
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      const op = item.post;
      const base = `/paths/${esc(path)}/post`;
      for (const [name, ex] of Object.entries<any>(op.requestBody?.content?.["application/json"]?.examples ?? {})) {
        const v = at(`${base}/requestBody/content/application~1json/schema`);
        expect(v(ex.value), `${path} request ${name}: ${ajv.errorsText(v.errors)}`).toBe(true);
        count++;
      }
      for (const [name, ex] of Object.entries<any>(op.responses["200"].content["application/json"].examples ?? {})) {
        const v = at(`${base}/responses/200/content/application~1json/schema`);
        expect(v(ex.value), `${path} 200 ${name}: ${ajv.errorsText(v.errors)}`).toBe(true);
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(25);
  });
});
