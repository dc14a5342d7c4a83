/**
 * What `#node-transport` is outside Node (browsers, edge runtimes, Bun, Deno): no Node transport, so
 * the clients use `fetch`. Nothing here imports undici or a Node built-in, so browser bundles stay clean.
 */
import type { Dispatcher } from "undici";
import type { Transport } from "./fetch.js";

export type NodeDispatcher = Pick<Dispatcher, "dispatch">;

export const nodeTransportAvailable: boolean = false;

export function createNodeTransport(_dispatcher?: NodeDispatcher): Transport {
  throw new Error("the Node transport is only available on Node.js");
}
