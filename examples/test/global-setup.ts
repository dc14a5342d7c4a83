import { prismGlobalSetup } from "@cdpkit/testkit";
import type { TestProject } from "vitest/node";

// One Prism mock per vendor spec for the whole run, their URLs provided as `<vendor>MockUrl`.
const mocks = [
  prismGlobalSetup("dfinery", "dfineryMockUrl"),
  prismGlobalSetup("synerise", "syneriseMockUrl"),
  prismGlobalSetup("altcraft", "altcraftMockUrl"),
  prismGlobalSetup("kameleoon", "kameleoonMockUrl"),
];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0)) await stop();
  };
  try {
    for (const start of mocks) stops.push(await start(project));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
