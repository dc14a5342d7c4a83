import { startVendorMock } from "@cdpkit/mock";
// Brings "vitest" into the program so the augmentation below resolves when the kit is type-checked alone.
import type {} from "vitest";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of a vendor's Prism mock (e.g. `dfineryMockUrl`), provided by prismGlobalSetup. */
    [key: `${string}MockUrl`]: string;
  }
}

/**
 * The vitest globalSetup of a vendor package: one Prism mock of the vendor's spec for the whole run
 * (see startVendorMock), its URL provided to tests as `provideKey` (read with inject()), stopped at the end.
 */
export function prismGlobalSetup(vendor: string, provideKey: `${string}MockUrl`) {
  return async function setup(project: TestProject): Promise<() => Promise<void>> {
    const mock = await startVendorMock(vendor);
    project.provide(provideKey, mock.url);
    return () => mock.stop();
  };
}
