#!/usr/bin/env node
// The browser test drives Debian's Chromium. CI is a fresh Debian machine where we are root: install it
// there with apt when it is missing; anywhere else, say what is needed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    console.error(`docs test: needs Debian's chromium at ${CHROMIUM}; install it with: sudo apt-get install -y chromium`);
    process.exit(1);
  }
  console.log(`docs test: ${CHROMIUM} is missing; installing Debian's chromium with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "chromium"]]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      console.error(`docs test: apt-get ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
      process.exit(1);
    }
  }
}
