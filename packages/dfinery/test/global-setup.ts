import { startVendorMock } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    dfineryMockUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startVendorMock("dfinery");
  project.provide("dfineryMockUrl", mock.url);
  return () => mock.stop();
}
