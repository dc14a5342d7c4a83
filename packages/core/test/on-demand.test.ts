import { describe, expect, it } from "vitest";
import { CdpkitError, NetworkError } from "../src/errors.js";
import { loadHelper } from "../src/on-demand.js";

describe("loadHelper", () => {
  it("answers the module the loader loads", async () => {
    const module = { sendEvents: () => "sent" };
    await expect(loadHelper("dfinery", "sendEvents", async () => module)).resolves.toBe(module);
  });

  it("a module that cannot be fetched (a browser offline) is a NetworkError naming the vendor and helper, nothing sent", async () => {
    const chunkError = new TypeError("Failed to fetch dynamically imported module: https://app.example/assets/events-3F2A.js");
    const error = await loadHelper("synerise", "sendEvents", () => Promise.reject(chunkError)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toBeInstanceOf(CdpkitError);
    const network = error as NetworkError;
    expect(network.vendor).toBe("synerise");
    expect(network.phase).toBe("connect");
    expect(network.message).toMatch(/^synerise: network error before anything was sent: .*could not load the sendEvents module/);
    expect((network.cause as Error).cause).toBe(chunkError);
  });

  it("a real import through it loads the module (the client's own path)", async () => {
    const batch = await loadHelper("core", "sendBatch", () => import("../src/batch.js"));
    expect(typeof batch.runBatches).toBe("function");
  });
});
