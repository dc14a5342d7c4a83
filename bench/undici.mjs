// npm undici for a bench that also measures (or must not disturb) Node's own fetch.
//
// One variant's import must not change another variant's transport. Node's fetch and npm undici
// share the global dispatcher slot Symbol.for("undici.globalDispatcher.1"); npm undici's lib/global.js
// fills it with its own Agent when it is empty at import time, and Node 20 loads its bundled undici
// (which fills it with Node's Agent) only on the first fetch. A static `import ... from "undici"`
// would run first, and every fetch-based variant would be sent through npm undici's Agent, not
// Node's. Verified on Node 20.20.2 + undici 7.30.2: slot empty at start, npm Agent after a bare import
// of undici; after one fetch() it holds Node's Agent, and a later import of undici leaves that same
// object in place. So: fetch once (a data: URL, no network) to install Node's own dispatcher, import
// undici after that, and refuse to run if the slot changed. (@cdpkit/core's Node transport imports
// undici's Agent module alone, which never touches the slot; call `assertNativeDispatcher` once the
// clients are built to hold it to that.)
const DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** npm undici, imported after Node's fetch has claimed the global dispatcher, and the check that it still holds it. */
export async function importUndiciAfterNodeFetch() {
  await (await fetch("data:,")).text();
  const nativeDispatcher = globalThis[DISPATCHER];
  if (nativeDispatcher === undefined) throw new Error("bench: Node's fetch did not install its global dispatcher");
  const undici = await import("undici");
  const assertNativeDispatcher = (when) => {
    if (globalThis[DISPATCHER] !== nativeDispatcher || nativeDispatcher instanceof undici.Agent) {
      throw new Error(`bench: ${when} replaced the global dispatcher Node's fetch uses`);
    }
  };
  assertNativeDispatcher("importing npm undici");
  return { undici, assertNativeDispatcher };
}
