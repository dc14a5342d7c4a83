import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { httpErrorFor, NetworkError, TimeoutError, VendorError } from "../src/errors.js";
import { redactingLogger } from "../src/logger.js";
import { Redactor } from "../src/redact.js";

const TOKEN = "dfn_live_9f8e7d6c5b4a";

/** Every way an error can be turned into text by a user, a logger or a test runner. */
function renderings(err: Error & { toJSON(): Record<string, unknown> }): string[] {
  return [
    err.message,
    String(err),
    JSON.stringify(err),
    JSON.stringify(err.toJSON()),
    inspect(err, { depth: 10 }),
    inspect(err.toJSON(), { depth: 10 }),
    err.stack ?? "",
  ];
}

describe("Redactor", () => {
  const redactor = new Redactor({ secrets: [TOKEN] });

  it("scrubs sensitive query params and secret values in URLs", () => {
    expect(redactor.redactUrl(`https://api.x.com/v1/users?access_token=${TOKEN}&page=2&Token=abc#frag`)).toBe(
      "https://api.x.com/v1/users?access_token=[REDACTED]&page=2&Token=[REDACTED]#frag",
    );
    expect(redactor.redactUrl(`https://api.x.com/keys/${TOKEN}/events`)).toBe("https://api.x.com/keys/[REDACTED]/events");
    expect(redactor.redactUrl("https://user:pass@api.x.com/a?api_key=1")).toBe("https://[REDACTED]@api.x.com/a?api_key=[REDACTED]");
  });

  it("scrubs headers by name and value", () => {
    const headers = new Headers({
      Authorization: `Bearer ${TOKEN}`,
      access_token: "other",
      "X-Api-Key": "k",
      "content-type": "application/json",
      "x-debug": `token is ${TOKEN}`,
    });
    expect(redactor.redactHeaders(headers)).toEqual({
      authorization: "[REDACTED]",
      access_token: "[REDACTED]",
      "x-api-key": "[REDACTED]",
      "content-type": "application/json",
      "x-debug": "token is [REDACTED]",
    });
  });

  it("deep-copies values with sensitive keys scrubbed, in any spelling", () => {
    const input = { token: "a", nested: { accessToken: "b", list: [{ Password: "c", keep: "ok" }] }, note: `see ${TOKEN}` };
    expect(redactor.redactValue(input)).toEqual({
      token: "[REDACTED]",
      nested: { accessToken: "[REDACTED]", list: [{ Password: "[REDACTED]", keep: "ok" }] },
      note: "see [REDACTED]",
    });
    expect(input.token).toBe("a");
  });

  it("scrubs credentials inside free text and JSON text", () => {
    const text = `Authorization: Bearer abc.def-ghi\ncalled /x?token=zzz&page=1 with {"token":"yyy","n":1} and "refresh_token": "rrr"`;
    const out = redactor.redactText(text);
    for (const leaked of ["abc.def-ghi", "zzz", "yyy", "rrr"]) expect(out).not.toContain(leaked);
    expect(out).toContain("page=1");
    expect(out).toContain('"n":1');
  });

  it("reads secrets lazily so refreshed tokens are covered", () => {
    let current = "first-token-value";
    const lazy = new Redactor({ secrets: () => [current] });
    current = "second-token-value";
    expect(lazy.redactText("x second-token-value y")).toBe("x [REDACTED] y");
  });

  it("never shows its secrets when inspected", () => {
    expect(inspect(redactor, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(redactor)).not.toContain(TOKEN);
  });
});

describe("no secret in errors", () => {
  it("keeps the token out of every rendering of an HTTP error (known secret)", () => {
    const err = httpErrorFor({
      status: 401,
      vendor: "dfinery",
      method: "POST",
      url: `https://api.example.com/v1/events?access_token=${TOKEN}&page=1`,
      body: { status: false, message: `token ${TOKEN} expired`, echo: { token: TOKEN, headers: { authorization: `Bearer ${TOKEN}` } } },
      vendorMessage: `invalid token ${TOKEN}`,
      headers: new Headers({ "x-request-id": "r-1" }),
      redactor: new Redactor({ secrets: [TOKEN] }),
    });
    for (const text of renderings(err)) expect(text).not.toContain(TOKEN);
    expect(err.url).toBe("https://api.example.com/v1/events?access_token=[REDACTED]&page=1");
    expect(err.requestId).toBe("r-1");
  });

  it("keeps the token out by key name alone, with the default redactor", () => {
    const err = httpErrorFor({
      status: 403,
      url: `https://api.example.com/v1/x?token=${TOKEN}`,
      body: { token: TOKEN, nested: [{ access_token: TOKEN }], raw: `{"token":"${TOKEN}"}` },
      method: "GET",
    });
    for (const text of renderings(err)) expect(text).not.toContain(TOKEN);
  });

  it("keeps the token out of a caller-supplied message and a network cause", () => {
    const redactor = new Redactor({ secrets: [TOKEN] });
    const cause = new TypeError(`fetch failed for https://x/?token=${TOKEN}`, { cause: new Error(`socket ${TOKEN}`) });
    const errors = [
      new NetworkError({ cause, url: `https://x/?token=${TOKEN}`, redactor }),
      new VendorError({ message: `envelope failure with Bearer ${TOKEN}`, body: `{"access_token":"${TOKEN}"}`, redactor }),
      new TimeoutError({ timeoutMs: 1, scope: "request", url: `https://x/${TOKEN}/y`, redactor }),
    ];
    for (const err of errors) for (const text of renderings(err)) expect(text).not.toContain(TOKEN);
    expect(inspect(errors[0], { depth: 10 })).toContain("fetch failed");
  });

  it("is safe in a vitest snapshot", () => {
    const err = httpErrorFor({
      status: 400,
      url: `https://api.example.com/v1/x?access_token=${TOKEN}`,
      body: { token: TOKEN },
      redactor: new Redactor({ secrets: [TOKEN] }),
    });
    expect(err.toJSON()).toMatchInlineSnapshot(`
      {
        "body": {
          "token": "[REDACTED]",
        },
        "kind": "http",
        "message": "https://api.example.com/v1/x?access_token=[REDACTED] failed with HTTP 400",
        "name": "BadRequestError",
        "status": 400,
        "url": "https://api.example.com/v1/x?access_token=[REDACTED]",
      }
    `);
  });
});

describe("redactingLogger", () => {
  it("scrubs every line and field before the sink sees it", () => {
    const lines: string[] = [];
    const sink = { warn: (msg: string, fields?: Record<string, unknown>) => lines.push(`${msg} ${inspect(fields, { depth: 10 })}`) };
    const log = redactingLogger(sink, new Redactor({ secrets: [TOKEN] }));
    log.warn(`retrying https://x/?access_token=${TOKEN}`, { headers: { authorization: `Bearer ${TOKEN}` }, body: { token: TOKEN } });
    log.debug("dropped: no debug sink");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TOKEN);
    expect(lines[0]).toContain("[REDACTED]");
  });
});
