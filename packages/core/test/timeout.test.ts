import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../src/clock.js";
import { TimeoutError } from "../src/errors.js";
import { composeFetch } from "../src/fetch.js";
import { withRetry } from "../src/retry.js";
import { withTimeout } from "../src/timeout.js";
import { startFaultServer, type FaultServer } from "./fault-server.js";
import { realFetch } from "./helpers.js";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

describe("withTimeout", () => {
  it('times out slow headers with scope "request"', async () => {
    const f = composeFetch(realFetch, withTimeout({ requestTimeoutMs: 40 }));
    const started = Date.now();
    const err = await f(new Request(`${server.url}/slow-headers/1000?t=h`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ kind: "timeout", scope: "request", timeoutMs: 40, method: "GET" });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("times out a body that trickles in after fast headers", async () => {
    // Headers come at once, the body over ~1 s: room for a loaded CI machine to deliver the headers
    // well inside the limit, so only the body can be what times out.
    const f = composeFetch(realFetch, withTimeout({ requestTimeoutMs: 400 }));
    const res = await f(new Request(`${server.url}/slow-body/100?t=b`));
    expect(res.status).toBe(200);
    const err = await res.text().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ scope: "request", timeoutMs: 400 });
  });

  it("lets a fast response through with its body intact", async () => {
    const f = composeFetch(realFetch, withTimeout({ requestTimeoutMs: 1000 }));
    const res = await f(new Request(`${server.url}/ok?t=fast`));
    expect(await res.json()).toEqual({ ok: true, hit: 1 });
    expect(res.url).toBe(`${server.url}/ok?t=fast`);
  });

  it('bounds all attempts and waits with scope "total" when placed outside retry', async () => {
    const f = composeFetch(
      realFetch,
      withTimeout({ totalTimeoutMs: 400 }),
      withRetry({ clock: systemClock, baseDelayMs: 20, random: () => 1, maxAttempts: 100 }),
      withTimeout({ requestTimeoutMs: 30 }),
    );
    const started = Date.now();
    const err = await f(new Request(`${server.url}/slow-headers/1000?t=total`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ scope: "total", timeoutMs: 400 });
    // 100 attempts of 30 ms and their backoff would take seconds; the total deadline ends it (the bound
    // leaves a loaded CI machine room, and 400 ms leaves it room for a second attempt).
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.hits("/slow-headers/1000?t=total")).toBeGreaterThanOrEqual(2);
  });

  it("throws the caller reason, not a TimeoutError, when the caller aborts", async () => {
    const f = composeFetch(realFetch, withTimeout({ requestTimeoutMs: 1000, totalTimeoutMs: 2000 }));
    const controller = new AbortController();
    const pending = f(new Request(`${server.url}/slow-headers/500?t=caller`, { signal: controller.signal }));
    const reason = new Error("user cancelled");
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it("throws the caller reason when the caller aborts while the body is read", async () => {
    const f = composeFetch(realFetch, withTimeout({ requestTimeoutMs: 1000 }));
    const controller = new AbortController();
    const res = await f(new Request(`${server.url}/slow-body/30?t=caller-body`, { signal: controller.signal }));
    const reason = new Error("stop reading");
    setTimeout(() => controller.abort(reason), 20);
    await expect(res.text()).rejects.toBe(reason);
  });

  it("is a no-op layer when no timeout is set", async () => {
    const f = composeFetch(realFetch, withTimeout({}));
    const res = await f(new Request(`${server.url}/ok?t=none`));
    expect(res.status).toBe(200);
  });
});
