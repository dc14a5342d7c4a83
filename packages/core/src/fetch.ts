/**
 * The one seam every policy plugs into. openapi-fetch calls a custom `fetch` with a single
 * `Request`, so a layer only ever has to understand `Request -> Promise<Response>`.
 */
export type FetchLike = (request: Request) => Promise<Response>;

/** A policy wraps the next fetch and returns a fetch with the same shape. */
export type FetchLayer = (next: FetchLike) => FetchLike;

/**
 * Builds `layers[0](layers[1](...layers[n](base)))`: the first layer is the outermost, so the
 * list reads in the order a request travels through it.
 */
export function composeFetch(base: FetchLike, ...layers: FetchLayer[]): FetchLike {
  let fetch = base;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer) fetch = layer(fetch);
  }
  return fetch;
}
