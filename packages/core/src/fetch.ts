import type { Call } from "./call.js";

/**
 * The seam openapi-fetch calls: a custom `fetch` gets a single `Request`.
 */
export type FetchLike = (request: Request) => Promise<Response>;

/**
 * A fetch implementation a client is given (`fetch` option): called as `fetch(url, init)` with a plain
 * init (method, headers, body, signal, `redirect: "manual"`), so the global fetch, an npm undici fetch
 * with its own Agent, or a browser's all fit.
 */
export type FetchImplementation = (input: string, init: RequestInit) => Promise<Response>;

/**
 * What the policy layers pass along: the request and its call (see call.ts). A layer used on its own
 * may be handed no call: it then works from the request alone (`createCall`).
 */
export type Transport = (request: Request, call?: Call) => Promise<Response>;

/** A policy wraps the next transport and returns a transport with the same shape. */
export type FetchLayer = (next: Transport) => Transport;

/**
 * Builds `layers[0](layers[1](...layers[n](base)))`: the first layer is the outermost, so the
 * list reads in the order a request travels through it.
 */
export function composeFetch(base: Transport, ...layers: FetchLayer[]): Transport {
  let fetch = base;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer) fetch = layer(fetch);
  }
  return fetch;
}
