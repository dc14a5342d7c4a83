// undici's Agent by its own module path: undici's index would install a global dispatcher (see
// node-transport.ts). The class is the one undici's types describe.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";
  const AgentClass: typeof Agent;
  export default AgentClass;
}
