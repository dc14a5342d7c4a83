import { startVendorMock, type MockServer } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";
import { ensureRuntime, RUNTIMES } from "../runtimes.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** CDPKIT_<VENDOR>_URL -> the vendor's Prism mock, the environment of the smoke program. */
    mockUrls: Record<string, string>;
    /** Runtime name -> its binary in the cache. */
    binaries: Record<string, string>;
  }
}

const VENDORS = ["dfinery", "synerise", "altcraft", "kameleoon"];

// One Prism mock per vendor for every runtime (on the Node running the tests), and every runtime's
// binary fetched before the first test, so a test's time is the runtime's own.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mocks: MockServer[] = [];
  const stopAll = () => Promise.all(mocks.map((mock) => mock.stop())).then(() => undefined);
  try {
    const binaries: Record<string, string> = {};
    for (const runtime of RUNTIMES) binaries[runtime.name] = await ensureRuntime(runtime);
    const mockUrls: Record<string, string> = {};
    for (const vendor of VENDORS) {
      const mock = await startVendorMock(vendor);
      mocks.push(mock);
      mockUrls[`CDPKIT_${vendor.toUpperCase()}_URL`] = mock.url;
    }
    project.provide("binaries", binaries);
    project.provide("mockUrls", mockUrls);
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
