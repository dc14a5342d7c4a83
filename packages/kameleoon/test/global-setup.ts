import { startVendorMock } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    kameleoonMockUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startVendorMock("kameleoon");
  project.provide("kameleoonMockUrl", mock.url);
  return () => mock.stop();
}
