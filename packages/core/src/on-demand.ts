import { NetworkError } from "./errors.js";

/**
 * Loads a helper's module at its first call (`loadHelper("dfinery", "sendEvents", () => import("./events.js"))`),
 * so that an app that never calls it does not download it. In a browser that module is a chunk fetched over the
 * network; if that fails (offline, a deploy that removed the old chunks), the caller gets a typed NetworkError
 * (`phase: "connect"`: nothing was read or sent) instead of the runtime's own chunk-load error.
 */
export async function loadHelper<Module>(vendor: string, helper: string, load: () => Promise<Module>): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetworkError({
      vendor,
      phase: "connect",
      cause: new Error(`could not load the ${helper} module (${reason})`, { cause: error }),
    });
  }
}
