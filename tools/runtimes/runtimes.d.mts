export interface Runtime {
  /** node22, node24, bun, deno */
  name: string;
  version: string;
  /** The npm package holding this platform's binary. */
  package: string;
  /** The binary's path inside that package. */
  binary: string;
  /** The arguments that run `script` with network and file access. */
  args(script: string): string[];
}
export const cacheDir: string;
export const RUNTIMES: Runtime[];
export function ensureRuntime(runtime: Runtime): Promise<string>;
