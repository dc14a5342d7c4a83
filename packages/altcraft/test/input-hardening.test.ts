// Bodies the spec forbids and credentials a header cannot carry are refused before the network —
// against a loopback server that records every request it gets.
// The body checks rely on the generic request-body check in @cdpkit/core (bindOperations): they
// fail until that check is built and wired into createAltcraftClient.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestServer, json, type TestServer } from "@cdpkit/testkit";
import { createAltcraftClient, InvalidInputError } from "../src/index.js";

const TOKEN = "altcraft-secret-token-0123456789";
let server: TestServer;
let url: string;
beforeAll(async () => {
  server = await createTestServer((_req, res) => json(res, 200, { error: 0, error_text: "Successful operation", profile_id: "p1" }));
  url = server.url;
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("bodies of a method with required fields (profiles/import: db_id, data)", () => {
  const call = (body: unknown) =>
    createAltcraftClient({ token: TOKEN, baseUrl: url, retry: false })
      .POST("/api/v1.1/profiles/import", { body: body as never })
      .catch((e: unknown) => e);

  it.each([
    ["null", null],
    ["[]", []],
  ])("%s: InvalidInputError, body must be an object, nothing sent", async (_, body) => {
    const error = await call(body);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([
      expect.objectContaining({ path: "body", message: expect.stringMatching(/must be an object/) }),
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it("{}: InvalidInputError naming each missing required field, nothing sent", async () => {
    const error = await call({});
    expect(error).toBeInstanceOf(InvalidInputError);
    const paths = (error as InvalidInputError).issues.map((i) => i.path);
    for (const path of paths) expect(path).toMatch(/^body/);
    expect((error as Error).message).toMatch(/db_id/);
    expect((error as Error).message).toMatch(/\bdata\b/);
    expect((error as Error).message).not.toMatch(/token/); // the client fills it in
    expect(server.requests).toHaveLength(0);
  });
});

describe("a token with CR, LF or NUL", () => {
  it.each(["\r\n", "\n", "\0"])("%j is rejected at creation, the value never echoed", (bad) => {
    let error: unknown;
    try {
      createAltcraftClient({ token: `${TOKEN}${bad}X-Evil: 1`, baseUrl: url });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toEqual(["token"]);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
  });
});
