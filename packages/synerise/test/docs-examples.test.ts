// The docs are the test cases (DESIGN.md, "Tests"): every operation of the Synerise reference is
// either in the spec — at the method, path, evidence level and permission the team's inventory
// gives — or listed in the README as not yet available; and every JSON sample the reference shows
// for an operation in the spec is one of that operation's examples and validates against its schema.
// test/docs/samples.json is extracted from the reference text by test/docs/extract.mjs.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { ValidateFunction } from "ajv";

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface DocsOperation {
  op: number;
  line: number;
  summary: string;
  method: string;
  path: string;
  evidence: string;
  permission: string;
  samples: { line: number; value?: Json; parseError?: string }[];
}

const SPEC_ID = "https://cdpkit.local/specs/synerise/openapi.bundled.yaml";
const spec = parse(readFileSync(new URL("../src/generated/openapi.bundled.yaml", import.meta.url), "utf8")) as JsonObject;
const docs = JSON.parse(readFileSync(new URL("./docs/samples.json", import.meta.url), "utf8")) as DocsOperation[];
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: SPEC_ID });
const compiled = new Map<string, ValidateFunction>();
function validatorAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const esc = (t: string) => t.replace(/~/g, "~0").replace(/\//g, "~1");
function resolve(value: Json | undefined): Json | undefined {
  let current = value;
  while (isObject(current) && typeof current.$ref === "string" && current.$ref.startsWith("#/")) {
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce<Json | undefined>((node, part) => (isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), spec);
  }
  return current;
}

interface SpecOperation {
  method: string;
  path: string;
  op: JsonObject;
  /** Every example of the operation, with the JSON pointer of the schema it must satisfy. */
  examples: { where: string; value: Json; schema: string }[];
}

const METHODS = ["get", "put", "post", "delete", "patch"];
const byLine = new Map<number, SpecOperation>();
const allOperations: SpecOperation[] = [];
for (const [path, item] of Object.entries(spec.paths as JsonObject)) {
  for (const method of METHODS) {
    const op = (item as JsonObject)[method];
    if (!isObject(op)) continue;
    const base = `/paths/${esc(path)}/${method}`;
    const examples: SpecOperation["examples"] = [];
    const collect = (content: Json | undefined, at: string, where: string) => {
      if (!isObject(content)) return;
      for (const [type, media] of Object.entries(content)) {
        if (!isObject(media)) continue;
        const schema = `${at}/${esc(type)}/schema`;
        if (media.example !== undefined) examples.push({ where: `${where} ${type} example`, value: media.example, schema });
        for (const [name, ex] of Object.entries(isObject(media.examples) ? media.examples : {})) {
          const resolved = resolve(ex);
          if (isObject(resolved) && "value" in resolved)
            examples.push({ where: `${where} ${type} examples.${name}`, value: resolved.value as Json, schema });
        }
      }
    };
    const body = resolve(op.requestBody);
    if (isObject(body)) {
      // A referenced request body keeps its schema under its own pointer.
      const at =
        isObject(op.requestBody) && typeof op.requestBody.$ref === "string"
          ? `${op.requestBody.$ref.slice(1)}/content`
          : `${base}/requestBody/content`;
      collect(body.content, at, "request");
    }
    for (const [status, raw] of Object.entries(isObject(op.responses) ? op.responses : {})) {
      const response = resolve(raw);
      const at =
        isObject(raw) && typeof raw.$ref === "string" ? `${raw.$ref.slice(1)}/content` : `${base}/responses/${esc(status)}/content`;
      if (isObject(response)) collect(response.content, at, `response ${status}`);
    }
    const entry = { method: method.toUpperCase(), path, op, examples };
    allOperations.push(entry);
    const line = op["x-cdpkit-docs-line"];
    if (typeof line === "number") {
      expect(byLine.has(line), `two operations claim docs line ${line}`).toBe(false);
      byLine.set(line, entry);
    }
  }
}

const EVIDENCE: [RegExp, string][] = [
  [/^curl/, "docs"],
  [/^SDK/, "sdk"],
  [/^third-party traffic/, "traffic"],
  [/^INFERRED/, "inferred"],
];
const evidenceOf = (inventory: string): string | undefined => EVIDENCE.find(([re]) => re.test(inventory))?.[1];

describe("the spec against the inventory of the Synerise reference", () => {
  it("has 176 documented operations to account for", () => {
    expect(docs).toHaveLength(176);
  });

  it("every operation of the spec names its docs line, except the deprecated older twins the reference does not describe", () => {
    // The older twins of the profile logins and refresh (research-2026-11-30 section 2.2) are no inventory
    // rows: they carry no docs line but are deprecated, name their vendor page and the operation to prefer.
    const withoutLine = allOperations.filter((o) => typeof o.op["x-cdpkit-docs-line"] !== "number");
    const current = new Set(allOperations.filter((o) => o.op.deprecated !== true).map((o) => o.op.operationId));
    for (const o of withoutLine) {
      const route = `${o.method} ${o.path}`;
      expect(o.op.deprecated, `${route} has no docs line and is not deprecated`).toBe(true);
      expect(o.op["x-cdpkit-source"], route).toMatch(/^https:\/\//);
      const prefer = /Prefer (\w+) \(/.exec(String(o.op["x-cdpkit-note"]))?.[1];
      expect(current.has(prefer), `${route} names no current operation to prefer`).toBe(true);
    }
    expect(withoutLine.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      "GET /sauth/auth/refresh/client",
      "POST /sauth/auth/login/client",
      "POST /sauth/v2/auth/login/client",
      "POST /sauth/v2/auth/login/client/anonymous",
      "POST /sauth/v2/auth/login/client/conditional",
    ]);
  });

  for (const entry of docs) {
    const level = evidenceOf(entry.evidence);
    if (level === undefined) {
      it(`#${entry.op} (docs line ${entry.line}, path unknown) is not invented and is listed in the README`, () => {
        expect(byLine.has(entry.line)).toBe(false);
        expect(readme).toMatch(new RegExp(`^\\| ${entry.op} \\| ${entry.line} \\|`, "m"));
      });
      continue;
    }
    it(`#${entry.op} ${entry.method} ${entry.path} is in the spec as the inventory says`, () => {
      const found = byLine.get(entry.line);
      expect(found, `no operation with x-cdpkit-docs-line ${entry.line}`).toBeDefined();
      expect(`${found!.method} ${found!.path}`).toBe(`${entry.method.replace("?", "")} ${entry.path}`);
      expect(found!.op["x-cdpkit-evidence"]).toBe(level);
      expect(found!.op["x-synerise-permission"]).toBe(entry.permission === "-" ? null : entry.permission);
    });
    if (entry.samples.length > 0) {
      it(`#${entry.op}: the ${entry.samples.length} docs sample(s) are examples of the operation`, () => {
        const found = byLine.get(entry.line)!;
        for (const sample of entry.samples) {
          expect(sample.parseError, `sample at docs line ${sample.line}`).toBeUndefined();
          const match = found.examples.some((ex) => isDeepStrictEqual(ex.value, sample.value));
          expect(match, `docs line ${sample.line}: sample not among the examples of ${found.method} ${found.path}`).toBe(true);
        }
      });
    }
  }
});

describe("every example in the spec validates against its schema", () => {
  const withExamples = allOperations.filter((o) => o.examples.length > 0);
  it("covers every operation that has docs samples", () => {
    const needed = docs.filter((d) => evidenceOf(d.evidence) && d.samples.length > 0).length;
    expect(withExamples.length).toBeGreaterThanOrEqual(needed);
  });
  for (const operation of withExamples) {
    it(`${operation.method} ${operation.path}`, () => {
      for (const example of operation.examples) {
        const validate = validatorAt(example.schema);
        const ok = validate(example.value);
        expect(ok, `${example.where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    });
  }
});
