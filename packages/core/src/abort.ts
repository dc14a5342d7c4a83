/**
 * One abort listener per signal, shared by every wait that watches it.
 *
 * Callers hand one long-lived signal (a worker's shutdown, a CLI's Ctrl-C, `AbortSignal.timeout` for a
 * whole run) to many concurrent calls. A listener per call would pass Node's limit of 10 at the 11th
 * call in flight and print MaxListenersExceededWarning, though nothing leaks. Node's own `Request`
 * answers that by raising the signal's limit to 1,500; we keep a single listener instead, which fans
 * out to the waits registered at the time and goes away with the signal.
 */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `listener` once when `signal` aborts; returns the function that stops watching (call it when
 * the wait ends another way). A signal already aborted is the caller's to check first.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  const registered = watchers.get(signal) ?? watch(signal);
  // A wrapper per registration: the same function registered twice runs twice, like two listeners.
  const entry = (): void => listener();
  registered.add(entry);
  return () => void registered.delete(entry);
}

/** The signal's one listener, and the set of waits it runs. */
function watch(signal: AbortSignal): Set<() => void> {
  const registered = new Set<() => void>();
  watchers.set(signal, registered);
  signal.addEventListener("abort", () => notifyAll(signal, registered), { once: true });
  return registered;
}

function notifyAll(signal: AbortSignal, registered: Set<() => void>): void {
  watchers.delete(signal);
  for (const run of registered) {
    try {
      run();
    } catch (error) {
      // As with separate listeners: one that throws is reported and the others still run.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  registered.clear();
}
