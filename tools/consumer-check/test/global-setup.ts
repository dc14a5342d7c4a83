import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createConsumerProject, packPublicPackages } from "./consumer-project.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The clean npm project with the packed packages installed. */
    consumerDir: string;
    /** Package name -> its tarball. */
    tarballs: [string, string][];
  }
}

// Outside the repository, so nothing resolves through the workspace's own node_modules.
export default async function setup(project: TestProject): Promise<() => void> {
  const workDir = mkdtempSync(join(tmpdir(), "cdpkit-consumer-"));
  const tarballs = await packPublicPackages(join(workDir, "tarballs"));
  const consumerDir = join(workDir, "project");
  await createConsumerProject(consumerDir, tarballs);
  project.provide("consumerDir", consumerDir);
  project.provide("tarballs", [...tarballs]);
  return () => rmSync(workDir, { recursive: true, force: true });
}
