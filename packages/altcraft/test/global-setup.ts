import { startVendorMock } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    altcraftMockUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startVendorMock("altcraft");
  project.provide("altcraftMockUrl", mock.url);
  return () => mock.stop();
}
