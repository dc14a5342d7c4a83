/**
 * No planted credential may appear anywhere a caller can see it: error messages, `String(err)`,
 * `JSON.stringify(err)`, `util.inspect(err, { depth: 10 })`, stacks, every error of the `cause`
 * chain, error objects returned with `throwOnError: false`, batch reports, and every line and field
 * the client logs. The server echoes every credential it has seen back in its error bodies (JSON,
 * text, HTML, DFINERY `code`/`message`, Altcraft `error_text`, Synerise field errors), and in
 * redirect Locations. A credential with CR/LF is refused at client creation without echoing it.
 */
import { InvalidInputError } from "@cdpkit/core";
import { createAltcraftClient } from "@cdpkit/altcraft";
import { createDfineryClient } from "@cdpkit/dfinery";
import { createKameleoonClient } from "@cdpkit/kameleoon";
import { createSyneriseClient } from "@cdpkit/synerise";
import { describe, expect, it } from "vitest";
import { makeJwt } from "@cdpkit/testkit";
import { F, startFaultServer, type BodySpec, type Fault, type FaultServer, type Recorded } from "./fault-server.js";
import { altcraft, dfinery, kameleoon, SECRETS, synerise, type Harness, type Knobs, type Op, type Outcome } from "./harness.js";
import { describeLeaks, LeakScanner } from "./leaks.js";

/** JWTs the Synerise login hands out: n = 1 is the first, n = 2 the renewed one. */
const syneriseJwt = (n: number) => makeJwt({ sub: "workspace", n, exp: Math.floor(Date.now() / 1000) + 3600 }, `SECRETsyneriseJwt${n}sig`);
const kameleoonAccess = (n: number) => `SECRET-kameleoon-access-${n}-e5f4`;

const creds = (server: FaultServer) => server.credentialsSeen().join(" ");
const rawRequest = (rec: Recorded) =>
  `${rec.method} ${rec.path}${rec.search ? `?${rec.search}` : ""}\n${Object.entries(rec.headers)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join("\n")}\n\n${rec.body}`;

/** Error bodies that echo every credential the server has seen, under innocent names. */
const echo = {
  json: ((rec, server) => ({
    message: `rejected: ${creds(server)}`,
    error: creds(server),
    detail: creds(server),
    request: rawRequest(rec),
  })) as BodySpec,
  text: ((rec, server) => `Rejected credentials ${creds(server)}\n---\n${rawRequest(rec)}`) as BodySpec,
  html: ((_rec, server) =>
    `<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1><pre>${creds(server)}</pre></body></html>`) as BodySpec,
  /** A truncated JSON body that carries the credentials before it breaks off. */
  truncated: ((_rec, server) => `{"detail":"${creds(server)}`) as BodySpec,
};

interface Session {
  server: FaultServer;
  scanner: LeakScanner;
  client: unknown;
  /** Plays `faults` on `path` (or none), runs `call`, scans what came back. */
  probe(name: string, path: string, faults: Fault[], call: () => Promise<Outcome>): Promise<Outcome>;
  /** Every planted or issued credential. */
  secrets(): string[];
}

async function withSession(harness: Harness, knobs: Knobs, body: (s: Session) => Promise<void>): Promise<void> {
  const server = await startFaultServer({ vendor: harness.vendor, jwt: syneriseJwt, accessToken: kameleoonAccess });
  const scanner = new LeakScanner();
  try {
    const client = harness.makeClient(server.url, { maxAttempts: 2, timeoutMs: 400, logger: scanner.logger, ...knobs });
    const session: Session = {
      server,
      scanner,
      client,
      async probe(name, path, faults, call) {
        server.script(path, faults);
        const outcome = await call();
        scanner.addOutcome(name, outcome);
        return outcome;
      },
      secrets: () => [
        ...harness.secrets,
        SECRETS.syneriseTracker,
        ...server.issuedJwts,
        ...server.issuedJwts.map((jwt) => jwt.split(".")[2] ?? jwt),
        ...server.issuedAccessTokens,
      ],
    };
    await body(session);
    expect(scanner.texts.length, "the probes produced something to search").toBeGreaterThan(0);
    const leaks = scanner.leaks(session.secrets());
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  } finally {
    await server.close();
  }
}

const opOf = (harness: Harness, kind: Op["kind"]) => harness.ops.find((o) => o.kind === kind)!;

/** The HTTP error answers every vendor can get, each echoing the credentials. */
async function httpErrorProbes(s: Session, op: Op): Promise<void> {
  const run = () => op.invoke(s.client);
  await s.probe(`${op.label} 400 JSON echo`, op.path, [F.status(400, echo.json)], run);
  await s.probe(`${op.label} 401 text echo`, op.path, F.times(2, F.status(401, echo.text)), run);
  await s.probe(`${op.label} 403 JSON echo`, op.path, [F.status(403, echo.json)], run);
  await s.probe(`${op.label} 404 JSON echo`, op.path, [F.status(404, echo.json)], run);
  await s.probe(`${op.label} 429 echo`, op.path, F.times(2, F.status(429, echo.json, { "retry-after": "0" })), run);
  await s.probe(`${op.label} 500 JSON echo`, op.path, F.times(2, F.status(500, echo.json)), run);
  await s.probe(`${op.label} 502 text echo`, op.path, F.times(2, F.status(502, echo.text)), run);
  await s.probe(`${op.label} 503 HTML echo`, op.path, F.times(2, F.status(503, echo.html, {}, "text/html")), run);
}

/** Transport failures, timeouts, malformed 2xx and redirects whose Location carries the credentials. */
async function transportProbes(s: Session, op: Op): Promise<void> {
  const run = () => op.invoke(s.client);
  await s.probe(`${op.label} reset before headers`, op.path, F.times(2, F.resetBeforeHeaders()), run);
  await s.probe(`${op.label} reset mid-body`, op.path, F.times(2, F.resetMidBody()), run);
  await s.probe(`${op.label} no answer`, op.path, F.times(2, F.noAnswer()), run);
  await s.probe(`${op.label} trickle`, op.path, F.times(2, F.trickle(200)), run);
  await s.probe(`${op.label} truncated JSON echo`, op.path, F.times(2, F.status(200, echo.truncated, {}, "application/json")), run);
  await s.probe(`${op.label} 200 HTML echo`, op.path, F.times(2, F.status(200, echo.html, {}, "text/html")), run);
  const secretLocation = (_rec: Recorded, server: FaultServer) => {
    const c = encodeURIComponent(server.credentialsSeen()[0] ?? "none");
    return `/moved/${c}?token=${c}&next=${c}`;
  };
  await s.probe(`${op.label} 302 to a Location carrying the credential`, op.path, F.times(2, F.redirect(302, secretLocation)), run);
  const loopLocation = (_rec: Recorded, server: FaultServer) => `/loop-hop?next=${encodeURIComponent(server.credentialsSeen().join(","))}`;
  s.server.fallback("/loop-hop", F.redirect(307, loopLocation));
  await s.probe(`${op.label} redirect loop carrying the credential`, op.path, F.times(2, F.redirect(307, loopLocation)), run);
}

function expectCrlfRefused(create: () => unknown, option: string, value: string): void {
  let thrown: unknown;
  try {
    create();
  } catch (error) {
    thrown = error;
  }
  expect(thrown instanceof InvalidInputError, `a credential with CR/LF in ${option} is refused at creation (got ${String(thrown)})`).toBe(
    true,
  );
  const err = thrown as InvalidInputError;
  expect(err.message, "the error names the option").toContain(option);
  const scanner = new LeakScanner();
  scanner.addError("creation error", err);
  const fragment = value.split(/[\r\n]/)[0]!;
  const leaks = scanner.leaks([fragment]);
  expect(leaks, describeLeaks(leaks)).toEqual([]);
}

describe("secrets: DFINERY", () => {
  const read = opOf(dfinery, "safe");
  const events = opOf(dfinery, "batch");

  it("HTTP error answers (4xx, 5xx, 429, HTML) echoing the tokens", async () => {
    await withSession(dfinery, {}, async (s) => {
      await httpErrorProbes(s, read);
      await s.probe(
        "user-profile 400 import envelope with the token as code/message",
        read.path,
        [F.status(400, (_r, server) => ({ status: false, code: creds(server), message: creds(server) }))],
        () => read.invoke(s.client),
      );
    });
  });

  it("HTTP 200 envelope failures copying the token into code / message (vendorCode, vendorMessage)", async () => {
    await withSession(dfinery, {}, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe(
        "status:false, code and message = token",
        read.path,
        [F.status(200, (_r, server) => ({ status: false, code: creds(server), message: creds(server) }))],
        run,
      );
      await s.probe(
        "40201 INVALID_TOKEN with the token",
        read.path,
        [F.status(200, (_r, server) => ({ status: false, code: 40201, message: `INVALID_TOKEN ${creds(server)}` }))],
        run,
      );
      await s.probe(
        "40401 TOO_MANY_REQUEST with the token",
        read.path,
        [F.status(200, (_r, server) => ({ status: false, code: "40401", message: `TOO_MANY_REQUEST ${creds(server)}` }))],
        run,
      );
    });
  });

  it("exports: error bodies echoing the export token (HTTP 401 and a 200 {result: fail})", async () => {
    await withSession(dfinery, {}, async (s) => {
      const client = s.client as ReturnType<typeof createDfineryClient>;
      const run = async (): Promise<Outcome> => {
        try {
          const rows = await client.exportEvents({
            events: ["df_purchase"],
            events_condition_type: "include",
            from_date: "2024-08-25",
            to_date: "2024-08-26",
          });
          for await (const _row of rows) void _row;
          return { type: "ok", value: undefined };
        } catch (error) {
          return { type: "thrown", error };
        }
      };
      await s.probe(
        "export 401 echo",
        "/api/v1/export/event",
        [F.status(401, (_r, server) => ({ result: "fail", message: creds(server) }))],
        run,
      );
      await s.probe(
        "export 200 {result: fail} echo",
        "/api/v1/export/event",
        [F.status(200, (_r, server) => ({ result: "fail", message: creds(server) }))],
        run,
      );
      await s.probe("export 500 text echo", "/api/v1/export/event", F.times(2, F.status(500, echo.text)), run);
    });
  });

  it("network failures, timeouts, malformed bodies and redirects", async () => {
    await withSession(dfinery, {}, async (s) => transportProbes(s, read));
  });

  it("results returned with throwOnError: false", async () => {
    await withSession(dfinery, { throwOnError: false }, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe("400 JSON echo, returned", read.path, [F.status(400, echo.json)], run);
      await s.probe(
        "401 import envelope echo, returned",
        read.path,
        [F.status(401, (_r, server) => ({ status: false, code: creds(server), message: creds(server) }))],
        run,
      );
      await s.probe("500 text echo, returned", read.path, F.times(2, F.status(500, echo.text)), run);
    });
  });

  it("sendEvents batch reports", async () => {
    await withSession(dfinery, {}, async (s) => {
      const run = () => events.invoke(s.client);
      await s.probe("sendEvents 500 echo", events.path, F.times(2, F.status(500, echo.json)), run);
      await s.probe(
        "sendEvents 400 envelope echo",
        events.path,
        [F.status(400, (_r, server) => ({ status: false, code: creds(server), message: creds(server) }))],
        run,
      );
      await s.probe(
        "sendEvents 200 status:false echo",
        events.path,
        [F.status(200, (_r, server) => ({ status: false, code: creds(server), message: creds(server) }))],
        run,
      );
      await s.probe("sendEvents reset", events.path, F.times(2, F.resetBeforeHeaders()), run);
      await s.probe("sendEvents truncated echo", events.path, F.times(2, F.status(200, echo.truncated, {}, "application/json")), run);
      await s.probe(
        "sendEvents 302 carrying the token",
        events.path,
        F.times(
          2,
          F.redirect(302, (_r, server) => `/moved?next=${encodeURIComponent(creds(server))}`),
        ),
        run,
      );
    });
  });

  it("a token with CR/LF is refused at creation, naming the option and not echoing the value", () => {
    const value = "SECRET-crlf-dfinery-import\r\nX-Injected: 1";
    expectCrlfRefused(
      () => createDfineryClient({ serviceId: "svc", importToken: value, baseUrl: "http://127.0.0.1:9" }),
      "importToken",
      value,
    );
    const exportValue = "SECRET-crlf-dfinery-export\nX-Injected: 1";
    expectCrlfRefused(
      () => createDfineryClient({ serviceId: "svc", exportToken: exportValue, baseUrl: "http://127.0.0.1:9" }),
      "exportToken",
      exportValue,
    );
  });
});

describe("secrets: Synerise", () => {
  const read = opOf(synerise, "safe");
  const write = opOf(synerise, "unsafe");
  const events = opOf(synerise, "batch");

  it("HTTP error answers (4xx, 5xx, 429, HTML) echoing the API key and JWT", async () => {
    await withSession(synerise, {}, async (s) => {
      await httpErrorProbes(s, read);
      await s.probe("custom event 500 echo", write.path, [F.status(500, echo.json)], () => write.invoke(s.client));
    });
  });

  it("field errors and analytics errors echoing the credentials (rejectedValue, errorCode, traceId)", async () => {
    await withSession(synerise, {}, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe(
        "400 with errors[].rejectedValue",
        read.path,
        [
          F.status(400, (_r, server) => ({
            timestamp: "2024-01-01T00:00:00Z",
            status: 400,
            error: "Bad Request",
            message: creds(server),
            path: "/v4/clients/42",
            errors: [{ field: "clientId", message: creds(server), code: creds(server), rejectedValue: creds(server) }],
          })),
        ],
        run,
      );
      await s.probe(
        "400 analytics shape",
        read.path,
        [
          F.status(400, (_r, server) => ({
            httpStatus: 400,
            errorCode: creds(server),
            message: creds(server),
            traceId: creds(server),
            help: creds(server),
          })),
        ],
        run,
      );
    });
  });

  it("a renewed JWT: the old one echoed after renewal stays hidden", async () => {
    await withSession(synerise, {}, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe("first call (logs in: JWT 1)", read.path, [], run);
      // 401 with JWT 1: the client drops it, logs in again (JWT 2) and replays; the replay gets 401 too.
      await s.probe("401, renewal, 401 echoing both JWTs", read.path, F.times(2, F.status(401, echo.json)), run);
      await s.probe("500 echoing both JWTs", read.path, F.times(2, F.status(500, echo.text)), run);
      expect(s.server.issuedJwts.length, "the client logged in twice").toBeGreaterThanOrEqual(2);
    });
  });

  it("a failed login echoing the API key", async () => {
    await withSession(synerise, {}, async (s) => {
      await s.probe("login 403 echo", "/v4/auth/login/profile", [F.status(403, echo.json)], () => read.invoke(s.client));
      await s.probe("login 500 text echo", "/v4/auth/login/profile", F.times(2, F.status(500, echo.text)), () => read.invoke(s.client));
      await s.probe(
        "login 200 without a token, echo",
        "/v4/auth/login/profile",
        [F.status(200, (_r, server) => ({ detail: creds(server) }))],
        () => read.invoke(s.client),
      );
    });
  });

  it("the tracker key in the query (token=) echoed back", async () => {
    const server = await startFaultServer({ vendor: "synerise" });
    const scanner = new LeakScanner();
    try {
      const client = createSyneriseClient({
        trackerKey: SECRETS.syneriseTracker,
        baseUrl: server.url,
        retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 },
        timeoutMs: 400,
        throwOnError: true,
        logger: scanner.logger,
      });
      const path = "/v4/events/ai-compat/recommendation.view";
      const call = async (): Promise<Outcome> => {
        try {
          const result = (await client.POST(
            path as never,
            {
              body: { correlationId: "corr-1", clientUUID: "07243772-008a-42e1-ba37-c3807cebde8f", items: ["sku-1"] },
            } as never,
          )) as { error?: unknown; response: Response };
          return result.error !== undefined || !result.response.ok
            ? { type: "returned-error", error: result.error, status: result.response.status }
            : { type: "ok", value: undefined };
        } catch (error) {
          return { type: "thrown", error };
        }
      };
      for (const [name, faults] of [
        ["400 echo", [F.status(400, echo.json)]],
        ["500 text echo", F.times(2, F.status(500, echo.text))],
        ["no answer", F.times(2, F.noAnswer())],
        [
          "302 to the token",
          F.times(
            2,
            F.redirect(302, (_r, s) => `/moved?token=${encodeURIComponent(creds(s))}`),
          ),
        ],
      ] as const) {
        server.script(path, [...faults]);
        scanner.addOutcome(`tracker ${name}`, await call());
      }
      const leaks = scanner.leaks([SECRETS.syneriseTracker]);
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("network failures, timeouts, malformed bodies and redirects", async () => {
    await withSession(synerise, {}, async (s) => {
      await transportProbes(s, read);
      await transportProbes(s, write);
    });
  });

  it("results returned with throwOnError: false", async () => {
    await withSession(synerise, { throwOnError: false }, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe("400 JSON echo, returned", read.path, [F.status(400, echo.json)], run);
      await s.probe("404 text echo, returned", read.path, [F.status(404, echo.text)], run);
      await s.probe("500 JSON echo, returned", read.path, F.times(2, F.status(500, echo.json)), run);
    });
  });

  it("sendEvents batch reports", async () => {
    await withSession(synerise, {}, async (s) => {
      const run = () => events.invoke(s.client);
      await s.probe("sendEvents 400 echo", events.path, [F.status(400, echo.json)], run);
      await s.probe("sendEvents 500 text echo", events.path, F.times(2, F.status(500, echo.text)), run);
      await s.probe("sendEvents reset", events.path, F.times(2, F.resetBeforeHeaders()), run);
      await s.probe("sendEvents 200 HTML echo", events.path, F.times(2, F.status(200, echo.html, {}, "text/html")), run);
    });
  });

  it("an API key or tracker key with CR/LF is refused at creation, naming the option and not echoing the value", () => {
    const value = "SECRET-crlf-synerise-apikey\r\nX-Injected: 1";
    expectCrlfRefused(
      () => createSyneriseClient({ auth: { type: "workspace", apiKey: value }, baseUrl: "http://127.0.0.1:9" }),
      "auth.apiKey",
      value,
    );
    const tracker = "SECRET-crlf-synerise-tracker\nX-Injected: 1";
    expectCrlfRefused(() => createSyneriseClient({ trackerKey: tracker, baseUrl: "http://127.0.0.1:9" }), "trackerKey", tracker);
  });
});

describe("secrets: Altcraft", () => {
  const read = opOf(altcraft, "safe");
  const write = opOf(altcraft, "unsafe");

  it("HTTP error answers (4xx, 5xx, 429, HTML) echoing the token", async () => {
    await withSession(altcraft, {}, async (s) => {
      await httpErrorProbes(s, read);
      await s.probe("import 500 echo", write.path, [F.status(500, echo.json)], () => write.invoke(s.client));
    });
  });

  it("envelope errors echoing the token in error_text", async () => {
    await withSession(altcraft, {}, async (s) => {
      await s.probe(
        "200 error 401 echo",
        read.path,
        [F.status(200, (_r, server) => ({ error: 401, error_text: `API token ${creds(server)} required` }))],
        () => read.invoke(s.client),
      );
      await s.probe(
        "400 error 450 echo",
        write.path,
        [F.status(400, (_r, server) => ({ error: 450, error_text: creds(server), data: { token: creds(server), echo: creds(server) } }))],
        () => write.invoke(s.client),
      );
    });
  });

  it("a write whose outcome is unknown (sentBody, cause) and other transport failures", async () => {
    await withSession(altcraft, {}, async (s) => {
      await transportProbes(s, read);
      await transportProbes(s, write);
    });
  });

  it("push_subscribe: the token travels in the query and is echoed back", async () => {
    await withSession(altcraft, {}, async (s) => {
      const client = s.client as ReturnType<typeof createAltcraftClient>;
      const path = "/api/v1.1/resources/push_subscribe";
      const run = async (): Promise<Outcome> => {
        try {
          const result = (await client.POST(path, {
            body: { id: "", resource_token: "resource-token", subscriptions: [{ provider: "firefox-firebase", subscription_id: "sub-1" }] },
          })) as { error?: unknown; response: Response };
          return result.error !== undefined || !result.response.ok
            ? { type: "returned-error", error: result.error, status: result.response.status }
            : { type: "ok", value: undefined };
        } catch (error) {
          return { type: "thrown", error };
        }
      };
      await s.probe("push_subscribe 500 text echo of the query", path, [F.status(500, echo.text)], run);
      await s.probe(
        "push_subscribe envelope echo of the query",
        path,
        [F.status(200, (rec) => ({ error: 400, error_text: `bad request ${rec.search}` }))],
        run,
      );
      await s.probe("push_subscribe reset", path, [F.resetBeforeHeaders()], run);
      await s.probe("push_subscribe no answer", path, [F.noAnswer()], run);
    });
  });

  it("tokenIn: header (Authorization: Bearer) echoed back", async () => {
    const server = await startFaultServer({ vendor: "altcraft" });
    const scanner = new LeakScanner();
    try {
      const client = createAltcraftClient({
        token: SECRETS.altcraftToken,
        tokenIn: "header",
        baseUrl: server.url,
        retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 },
        timeoutMs: 400,
        logger: scanner.logger,
      });
      for (const [name, faults] of [
        ["400 echo", [F.status(400, echo.text)]],
        ["envelope echo", [F.status(200, (_r: Recorded, s: FaultServer) => ({ error: 403, error_text: creds(s) }))]],
        ["reset", F.times(2, F.resetBeforeHeaders())],
      ] as const) {
        server.script(read.path, [...faults]);
        scanner.addOutcome(`header mode ${name}`, await read.invoke(client));
      }
      const leaks = scanner.leaks([SECRETS.altcraftToken]);
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("results returned with throwOnError: false", async () => {
    await withSession(altcraft, { throwOnError: false }, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe(
        "envelope error echo, returned",
        read.path,
        [F.status(200, (_r, server) => ({ error: 401, error_text: creds(server) }))],
        run,
      );
      await s.probe("HTTP 400 JSON echo, returned", read.path, [F.status(400, echo.json)], run);
      await s.probe("HTTP 500 text echo, returned", read.path, F.times(2, F.status(500, echo.text)), run);
    });
  });

  it("a token with CR/LF is refused at creation, naming the option and not echoing the value", () => {
    const value = "SECRET-crlf-altcraft-token\r\nX-Injected: 1";
    expectCrlfRefused(() => createAltcraftClient({ token: value, baseUrl: "http://127.0.0.1:9" }), "token", value);
    expectCrlfRefused(() => createAltcraftClient({ token: value, tokenIn: "header", baseUrl: "http://127.0.0.1:9" }), "token", value);
  });
});

describe("secrets: Kameleoon", () => {
  const read = opOf(kameleoon, "safe");
  const events = opOf(kameleoon, "batch");

  it("HTTP error answers (4xx, 5xx, 429, HTML) echoing the client secret and access token", async () => {
    await withSession(kameleoon, {}, async (s) => httpErrorProbes(s, read));
  });

  it("a renewed access token: the old one echoed after renewal stays hidden", async () => {
    await withSession(kameleoon, {}, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe("first call (token 1)", read.path, [], run);
      await s.probe("401, renewal, 401 echoing both tokens", read.path, F.times(2, F.status(401, echo.json)), run);
      await s.probe("500 echoing both tokens", read.path, F.times(2, F.status(500, echo.text)), run);
      expect(s.server.issuedAccessTokens.length, "the client asked for a second token").toBeGreaterThanOrEqual(2);
    });
  });

  it("a failed token request echoing the client secret", async () => {
    await withSession(kameleoon, {}, async (s) => {
      await s.probe("token 400 echo", "/oauth/token", [F.status(400, echo.json)], () => read.invoke(s.client));
      await s.probe(
        "token 200 without access_token, echo",
        "/oauth/token",
        [F.status(200, (_r, server) => ({ error_description: creds(server) }))],
        () => read.invoke(s.client),
      );
      await s.probe("token request reset", "/oauth/token", [F.resetBeforeHeaders()], () => read.invoke(s.client));
    });
  });

  it("network failures, timeouts, malformed bodies and redirects", async () => {
    await withSession(kameleoon, {}, async (s) => transportProbes(s, read));
  });

  it("results returned with throwOnError: false", async () => {
    await withSession(kameleoon, { throwOnError: false }, async (s) => {
      const run = () => read.invoke(s.client);
      await s.probe("400 JSON echo, returned", read.path, [F.status(400, echo.json)], run);
      await s.probe("403 text echo, returned", read.path, [F.status(403, echo.text)], run);
      await s.probe("500 JSON echo, returned", read.path, F.times(2, F.status(500, echo.json)), run);
    });
  });

  it("sendVisitEvents batch reports", async () => {
    await withSession(kameleoon, {}, async (s) => {
      const run = () => events.invoke(s.client);
      await s.probe("sendVisitEvents 400 echo", events.path, [F.status(400, echo.json)], run);
      await s.probe("sendVisitEvents 500 text echo", events.path, F.times(2, F.status(500, echo.text)), run);
      await s.probe("sendVisitEvents reset", events.path, F.times(2, F.resetBeforeHeaders()), run);
      await s.probe("sendVisitEvents 200 HTML echo", events.path, F.times(2, F.status(200, echo.html, {}, "text/html")), run);
    });
  });

  it("a client id or secret with CR/LF is refused at creation, naming the option and not echoing the value", () => {
    const value = "SECRET-crlf-kameleoon-secret\nX-Injected: 1";
    expectCrlfRefused(
      () => createKameleoonClient({ auth: { clientId: "id", clientSecret: value }, baseUrl: "http://127.0.0.1:9" }),
      "auth.clientSecret",
      value,
    );
    const id = "SECRET-crlf-kameleoon-id\r\nX-Injected: 1";
    expectCrlfRefused(
      () => createKameleoonClient({ auth: { clientId: id, clientSecret: "s" }, baseUrl: "http://127.0.0.1:9" }),
      "auth.clientId",
      id,
    );
  });
});
