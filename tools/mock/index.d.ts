export interface MockServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  stop(): Promise<void>;
}
export interface StartMockOptions {
  spec: string;
  host?: string;
  port?: number;
  startupTimeoutMs?: number;
  log?: (line: string) => void;
}
export const repoRoot: string;
export function freePort(host?: string): Promise<number>;
export function startMock(options: StartMockOptions): Promise<MockServer>;
export function vendorSpec(vendor: string): string;
export function startVendorMock(vendor: string, options?: Omit<StartMockOptions, "spec">): Promise<MockServer>;
