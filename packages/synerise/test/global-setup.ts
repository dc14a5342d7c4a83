import { startVendorMock } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    syneriseMockUrl: string;
  }
}

// One Prism mock of the Redocly bundle of specs/synerise (src/generated/openapi.bundled.yaml).
export default async function setup(project: TestProject) {
  const mock = await startVendorMock("synerise");
  project.provide("syneriseMockUrl", mock.url);
  return () => mock.stop();
}
