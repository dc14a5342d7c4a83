// What the spec promises beyond the docs' samples: the operations pinned by the 2026-11-30 research
// (inventory rows 1, 2, 7, 8, 172) with their evidence and source, pagination facts on every list
// operation that takes paging parameters, the three Synerise servers, the Basic-auth alternative on the
// workspace operations, and the tightened schemas (identifiers, money, colours).
// It reads the generated operation facts and the Redocly bundle, both written by `pnpm generate`.
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { operations, servers } from "../src/generated/operations.js";

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

const SPEC_ID = "https://cdpkit.local/specs/synerise/spec-coverage.yaml";
const spec = parse(readFileSync(new URL("../src/generated/openapi.bundled.yaml", import.meta.url), "utf8")) as JsonObject;
const paths = spec.paths as JsonObject;

function deref(value: Json | undefined): Json | undefined {
  let current = value;
  while (isObject(current) && typeof current.$ref === "string" && current.$ref.startsWith("#/")) {
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce<Json | undefined>((node, part) => (isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), spec);
  }
  return current;
}

function specOperation(method: string, path: string): JsonObject {
  const op = (paths[path] as JsonObject | undefined)?.[method.toLowerCase()];
  if (!isObject(op)) throw new Error(`${method} ${path} is not in the bundle`);
  return op;
}

/** Query parameter names of an operation, path-item parameters included. */
function queryParams(method: string, path: string): string[] {
  const item = paths[path] as JsonObject;
  const all = [...((item.parameters as Json[]) ?? []), ...((specOperation(method, path).parameters as Json[]) ?? [])];
  return all
    .map((p) => deref(p))
    .filter((p): p is JsonObject => isObject(p) && p.in === "query")
    .map((p) => p.name as string);
}

/** The schema of the 200 JSON answer. */
function answerSchema(method: string, path: string): JsonObject | undefined {
  const response = deref((specOperation(method, path).responses as JsonObject)["200"]);
  const schema = isObject(response)
    ? deref(((response.content as JsonObject | undefined)?.["application/json"] as JsonObject | undefined)?.schema)
    : undefined;
  return isObject(schema) ? schema : undefined;
}

/** The schema at a dot path of an object schema (following $ref), or undefined. */
function schemaAt(schema: JsonObject | undefined, dotPath: string): JsonObject | undefined {
  let node: Json | undefined = schema;
  for (const key of dotPath.split(".")) {
    node = deref(node);
    node = isObject(node) && isObject(node.properties) ? deref(node.properties[key]) : undefined;
  }
  return isObject(node) ? node : undefined;
}

const byRoute = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path);

describe("operations pinned by research-2026-11-30 (inventory rows 1, 2, 7, 8, 172)", () => {
  const pinned: [number, string, string][] = [
    [1, "POST", "/uauth/auth/login/user"],
    [2, "POST", "/uauth/auth/login/user/mfa/verification"],
    [7, "POST", "/sauth/v3/auth/refresh/client"],
    [8, "POST", "/sauth/v3/auth/login/client"],
    [172, "POST", "/analytics-backend/analytics/definitions-manager/aggregates/{UUID}/client/{clientId}/calculate/histogram"],
  ];
  for (const [row, method, path] of pinned) {
    it(`#${row} ${method} ${path} is an operation with docs evidence and its source`, () => {
      const found = byRoute(method, path);
      expect(found, `${method} ${path} missing from the generated operations`).toBeDefined();
      expect(found && "evidence" in found ? found.evidence : undefined).toBe("docs");
      const op = specOperation(method, path);
      expect(op["x-cdpkit-source"]).toMatch(/^https:\/\/hub\.synerise\.com\//);
      expect(op["x-cdpkit-evidence-note"]).toMatch(/research-2026-11-30/);
    });
  }

  it("the profile token refresh carries the current JWT; the account-creating login needs none", () => {
    expect(byRoute("POST", "/sauth/v3/auth/refresh/client")?.security).toEqual([["JWT"]]);
    expect(byRoute("POST", "/sauth/v3/auth/login/client")?.security).toEqual([]);
    expect(byRoute("POST", "/uauth/auth/login/user/mfa/verification")?.security).toEqual([["JWT"]]);
  });

  it("keeps the reference text's /analytics-backend prefix and records the hub's /analytics form", () => {
    expect(operations.filter((o) => o.path.startsWith("/analytics/"))).toEqual([]);
    expect(spec["x-cdpkit-note"]).toMatch(/\/analytics\/analytics\/definitions-manager/);
  });
});

describe("deprecated older twins of the profile logins and refresh (research-2026-11-30 section 2.2, MEDIUM)", () => {
  // [twin method, twin path, current method, current path, same request body as the current operation]
  const twins: [string, string, string, string, boolean][] = [
    ["POST", "/sauth/v2/auth/login/client", "POST", "/sauth/v3/auth/login/client", true],
    ["POST", "/sauth/v2/auth/login/client/conditional", "POST", "/sauth/v3/auth/login/client/conditional", true],
    ["POST", "/sauth/v2/auth/login/client/anonymous", "POST", "/sauth/v3/auth/login/client/anonymous", true],
    ["POST", "/sauth/auth/login/client", "POST", "/sauth/v3/auth/login/client", false],
    ["GET", "/sauth/auth/refresh/client", "POST", "/sauth/v3/auth/refresh/client", false],
  ];
  const bodySchema = (op: JsonObject) =>
    ((deref(op.requestBody) as JsonObject | undefined)?.content as JsonObject | undefined)?.["application/json"] as JsonObject | undefined;
  for (const [method, path, currentMethod, currentPath, sameBody] of twins) {
    it(`${method} ${path} is deprecated, cites its vendor page and behaves as ${currentMethod} ${currentPath}`, () => {
      const op = specOperation(method, path);
      const current = specOperation(currentMethod, currentPath);
      expect(op.deprecated).toBe(true);
      expect(current.deprecated).toBeUndefined();
      expect(byRoute(method, path)?.evidence).toBe("docs");
      expect(op["x-cdpkit-source"]).toMatch(
        /^https:\/\/(help\.synerise\.com\/developers\/api\/api-authorization\/client-login\/|documenter\.gw\.postman\.com\/)/,
      );
      expect(op["x-cdpkit-evidence-note"]).toMatch(/research-2026-11-30/);
      expect(op["x-cdpkit-note"]).toMatch(/Older twins \(vendor guide .*\), useful as aliases, MEDIUM/);
      expect(op["x-cdpkit-note"]).toContain(`Prefer ${String(current.operationId)} (${currentMethod} ${currentPath})`);
      expect(byRoute(method, path)?.security).toEqual(byRoute(currentMethod, currentPath)?.security);
      expect(byRoute(method, path)?.idempotent).toBe(true);
      expect(op["x-synerise-consumers"]).toEqual(current["x-synerise-consumers"]);
      expect(op["x-synerise-permission"]).toBe(current["x-synerise-permission"]);
      expect(answerSchema(method, path)).toEqual(answerSchema(currentMethod, currentPath));
      if (sameBody) expect(bodySchema(op)?.schema).toEqual(bodySchema(current)?.schema);
    });
  }

  it("the legacy login takes the RaaS body; the legacy refresh takes no body and the current JWT", () => {
    const legacy = deref(
      ((deref(specOperation("POST", "/sauth/auth/login/client").requestBody) as JsonObject).content as JsonObject)["application/json"],
    ) as JsonObject;
    expect(Object.keys((legacy.schema as JsonObject).properties as JsonObject)).toEqual([
      "apiKey",
      "email",
      "password",
      "uuid",
      "deviceId",
    ]);
    expect(specOperation("GET", "/sauth/auth/refresh/client").requestBody).toBeUndefined();
    expect(byRoute("GET", "/sauth/auth/refresh/client")?.security).toEqual([["JWT"]]);
  });
});

describe("pagination", () => {
  const PAIRS: [RegExp, RegExp][] = [
    [/^(page|pageIndex)$/, /^(size|limit|pageSize)$/],
    [/^offset$/, /^(limit|size)$/],
  ];
  const CURSOR = /^(pageToken|cursor|next)$/;
  // Top-level array answers cannot name their items: no x-cdpkit-pagination, a note instead.
  const ARRAY_ANSWERS = ["GET /v4/clients", "GET /client-exporter/v2/export/clients/task/{taskId}"];
  const paging = operations.filter((o) => {
    const names = queryParams(o.method, o.path);
    return names.some((n) => CURSOR.test(n)) || PAIRS.some(([a, b]) => names.some((n) => a.test(n)) && names.some((n) => b.test(n)));
  });

  it("finds the paging operations of the spec", () => {
    expect(paging.length).toBe(16);
  });

  for (const o of paging) {
    const route = `${o.method} ${o.path}`;
    if (ARRAY_ANSWERS.includes(route)) {
      it(`${route} answers a top-level array: no pagination, and a note that says so`, () => {
        expect("pagination" in o).toBe(false);
        expect(answerSchema(o.method, o.path)?.type).toBe("array");
        expect(specOperation(o.method, o.path)["x-cdpkit-note"]).toMatch(/top-level array/);
      });
      continue;
    }
    it(`${route} carries pagination whose parameters and answer paths exist`, () => {
      expect("pagination" in o, `${route} pages but has no x-cdpkit-pagination`).toBe(true);
      if (!("pagination" in o)) return;
      const p = o.pagination as Record<string, string | number | undefined>;
      const names = queryParams(o.method, o.path);
      expect(p.in).toBe("query");
      for (const key of ["pageParam", "offsetParam", "cursorParam", "limitParam"]) {
        if (p[key] !== undefined) expect(names, `${key} ${String(p[key])}`).toContain(p[key]);
      }
      if (p.style === "page") expect([0, 1]).toContain(p.firstPage);
      const answer = answerSchema(o.method, o.path);
      expect(schemaAt(answer, String(p.items))?.type, `items ${String(p.items)}`).toBe("array");
      if (p.total !== undefined) expect(schemaAt(answer, String(p.total))?.type, `total ${String(p.total)}`).toBe("integer");
      if (p.style === "cursor") expect(schemaAt(answer, String(p.nextCursor))?.type, `nextCursor ${String(p.nextCursor)}`).toBe("string");
    });
  }
});

describe("servers and security", () => {
  it("lists the three Synerise servers, api.synerise.com first", () => {
    expect(servers).toEqual(["https://api.synerise.com", "https://api.azu.synerise.com", "https://api.geb.synerise.com"]);
  });

  it("offers WorkspaceBasic next to the JWT on exactly the operations a Workspace may call", () => {
    for (const o of operations) {
      const op = specOperation(o.method, o.path);
      const workspace = ((op["x-synerise-consumers"] as string[] | undefined) ?? []).includes("Workspace");
      const jwt = o.security.some((names) => names.length === 1 && names[0] === "JWT");
      const basic = o.security.some((names) => names.length === 1 && names[0] === "WorkspaceBasic");
      expect(basic, `${o.method} ${o.path}`).toBe(workspace && jwt);
    }
  });
});

describe("tightened schemas", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...spec, $id: SPEC_ID });
  const valid = (name: string, value: Json) => ajv.validate({ $ref: `${SPEC_ID}#/components/schemas/${name}` }, value);

  it("a new profile needs at least one of email, phone, customId, uuid", () => {
    expect(valid("ProfileCreate", { firstName: "Ann" })).toBe(false);
    const ids: JsonObject[] = [
      { email: "a@b.c" },
      { phone: "+48111222333" },
      { customId: "c-1" },
      { uuid: "07243772-008a-42e1-ba37-c3807cebde8f" },
    ];
    for (const id of ids) {
      expect(valid("ProfileCreate", { ...id, firstName: "Ann" })).toBe(true);
    }
  });

  it("a batch item needs an identifier, clientId included", () => {
    expect(valid("ProfileBatchItem", { city: "Krakow" })).toBe(false);
    expect(valid("ProfileBatchItem", { clientId: 42, city: null })).toBe(true);
  });

  it("money is never negative; profile tag colours are hex", () => {
    expect(valid("Money", { amount: -0.01, currency: "USD" })).toBe(false);
    expect(valid("Money", { amount: 0, currency: "USD" })).toBe(true);
    expect(valid("ProfileTagCreate", { name: "vip", color: "#0768ff" })).toBe(true);
    expect(valid("ProfileTagCreate", { name: "vip", color: "0768FF" })).toBe(true);
    expect(valid("ProfileTagCreate", { name: "vip", color: "blue" })).toBe(false);
  });
});

describe("the Prism mock enforces the identifier rule", () => {
  const send = (body: Json) =>
    fetch(`${inject("syneriseMockUrl")}/v4/clients`, {
      method: "POST",
      headers: { authorization: "Bearer t", "api-version": "4.4", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  it("refuses a profile without an identifier and accepts one with an email", async () => {
    // Prism answers an invalid request with the operation's documented 400 (there is no 422 in the spec).
    const refused = await send({ firstName: "Ann" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("sl-violations") ?? "").toMatch(/anyOf|required/);
    expect((await send({ email: "ann@example.com", firstName: "Ann" })).status).toBe(204);
  });
});
