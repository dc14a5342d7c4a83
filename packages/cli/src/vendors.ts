import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createAltcraftClient, operations as altcraftOperations, type AltcraftApi } from "@cdpkit/altcraft";
import { InvalidInputError, type ClientBaseOptions, type OperationMeta, type RateLimitStore } from "@cdpkit/core";
import { createDfineryClient, operations as dfineryOperations, type DfineryClient } from "@cdpkit/dfinery";
import { createKameleoonClient, operations as kameleoonOperations, type KameleoonClient } from "@cdpkit/kameleoon";
import { createSyneriseClient, operations as syneriseOperations, type SyneriseClient } from "@cdpkit/synerise";
import { UsageError } from "./exit.js";

export const VENDOR_NAMES = ["dfinery", "synerise", "altcraft", "kameleoon"] as const;
export type VendorName = (typeof VENDOR_NAMES)[number];

/** One setting of a vendor: its environment variable, its key in the config file, whether it is a secret. */
export interface Setting {
  readonly env: string;
  readonly key: string;
  readonly secret: boolean;
  readonly description: string;
}

export interface VendorClients {
  dfinery: DfineryClient;
  synerise: SyneriseClient;
  altcraft: AltcraftApi;
  kameleoon: KameleoonClient;
}

/** What every client the command builds shares. */
export interface ClientContext {
  readonly settings: Readonly<Record<string, string | undefined>>;
  /** Options every client takes; `rateLimit: false` for a dry run, which sends nothing. */
  readonly base: ClientBaseOptions & { readonly throwOnError?: boolean; readonly rateLimit?: false };
  readonly store?: RateLimitStore;
  /** `--dry-run`: placeholder credentials where none are configured (nothing leaves the process). */
  readonly placeholders: boolean;
}

interface VendorDefinition<V extends VendorName> {
  readonly title: string;
  readonly settings: readonly Setting[];
  readonly operations: readonly OperationMeta[];
  create(context: ClientContext): VendorClients[V];
}

const PLACEHOLDER = "dry-run-placeholder-credential";
const setting = (env: string, key: string, description: string, secret = false): Setting => ({ env, key, secret, description });
const baseUrl = (prefix: string): Setting => setting(`${prefix}_BASE_URL`, "baseUrl", "another base URL (a proxy, `cdpkit mock`)");

export const VENDORS: { readonly [V in VendorName]: VendorDefinition<V> } = {
  dfinery: {
    title: "DFINERY",
    operations: dfineryOperations,
    settings: [
      setting("DFINERY_SERVICE_ID", "serviceId", "your service id"),
      setting("DFINERY_IMPORT_TOKEN", "importToken", "import token (events, identities, user profiles)", true),
      setting("DFINERY_EXPORT_TOKEN", "exportToken", "export token (CSV exports)", true),
      baseUrl("DFINERY"),
    ],
    create: ({ settings: s, base, store, placeholders }) =>
      createDfineryClient({
        ...base,
        serviceId: s.serviceId ?? (placeholders ? "dry-run" : ""),
        importToken: s.importToken ?? (placeholders ? PLACEHOLDER : undefined),
        exportToken: s.exportToken,
        ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
        ...(store ? { rateLimit: { store } } : {}),
      }),
  },
  synerise: {
    title: "Synerise",
    operations: syneriseOperations,
    settings: [
      setting("SYNERISE_API_KEY", "apiKey", "workspace API key (logs in for a JWT; with SYNERISE_WORKSPACE_GUID: Basic auth)", true),
      setting("SYNERISE_WORKSPACE_GUID", "workspaceGuid", "workspace GUID, for Basic auth instead of a login"),
      setting("SYNERISE_TRACKER_KEY", "trackerKey", "tracker key (tracker-key operations, when no API key is given)", true),
      setting("SYNERISE_SERVER", "server", "default | azu | geb"),
      baseUrl("SYNERISE"),
    ],
    create: ({ settings: s, base, store, placeholders }) => {
      const apiKey = s.apiKey ?? (placeholders ? PLACEHOLDER : undefined);
      const workspaceGuid = s.workspaceGuid ?? (placeholders && !s.apiKey ? "dry-run" : undefined);
      return createSyneriseClient({
        ...base,
        ...(apiKey ? { auth: workspaceGuid ? { type: "basic", workspaceGuid, apiKey } : { type: "workspace", apiKey } } : {}),
        ...(s.trackerKey ? { trackerKey: s.trackerKey } : {}),
        ...(s.server ? { server: s.server as "default" } : {}),
        ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
        ...(store ? { rateLimit: { store } } : {}),
      });
    },
  },
  altcraft: {
    title: "Altcraft",
    operations: altcraftOperations,
    settings: [
      setting("ALTCRAFT_TOKEN", "token", "API token", true),
      setting("ALTCRAFT_HOST", "host", "platform host (on-premise)"),
      baseUrl("ALTCRAFT"),
    ],
    create: ({ settings: s, base, placeholders }) =>
      createAltcraftClient({
        ...base,
        token: s.token ?? (placeholders ? PLACEHOLDER : ""),
        ...(s.host ? { host: s.host } : {}),
        ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      }),
  },
  kameleoon: {
    title: "Kameleoon",
    operations: kameleoonOperations,
    settings: [
      setting("KAMELEOON_SITE_CODE", "siteCode", "site code"),
      setting("KAMELEOON_CLIENT_ID", "clientId", "OAuth2 client id (optional, raises the limits)"),
      setting("KAMELEOON_CLIENT_SECRET", "clientSecret", "OAuth2 client secret", true),
      setting("KAMELEOON_TOKEN_URL", "tokenUrl", "OAuth2 token URL (default Kameleoon's)"),
      baseUrl("KAMELEOON"),
    ],
    create: ({ settings: s, base, store }) =>
      createKameleoonClient({
        ...base,
        ...(s.siteCode ? { siteCode: s.siteCode } : {}),
        ...(s.clientId && s.clientSecret
          ? { auth: { clientId: s.clientId, clientSecret: s.clientSecret, ...(s.tokenUrl ? { tokenUrl: s.tokenUrl } : {}) } }
          : {}),
        ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
        ...(store ? { rateLimit: { store } } : {}),
      }),
  },
};

export function vendorName(given: string): VendorName {
  const name = given.toLowerCase();
  if (!(VENDOR_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown vendor "${given}" (one of ${VENDOR_NAMES.join(", ")})`);
  }
  return name as VendorName;
}

/** The config file: `--config`, else `$CDPKIT_CONFIG`, else `~/.config/cdpkit/config.json` when it exists. */
function readConfig(path: string | undefined, vendor: VendorName): Record<string, string> {
  const explicit = path ?? process.env.CDPKIT_CONFIG;
  const file = explicit ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "cdpkit", "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (explicit === undefined && (error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`cannot read the config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The file holds credentials: its text is never echoed.
    throw new UsageError(`the config file ${file} is not valid JSON`);
  }
  const section = (parsed as Record<string, unknown> | null)?.[vendor];
  if (section === undefined) return {};
  if (section === null || typeof section !== "object") throw new UsageError(`the config file ${file}: "${vendor}" must be an object`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(section)) if (value !== undefined && value !== null) out[key] = String(value);
  return out;
}

/** A vendor's settings: the config file's section, each overridden by its environment variable, then `--base-url`. */
export function vendorSettings(vendor: VendorName, options: { config?: string; baseUrl?: string }): Record<string, string | undefined> {
  const settings: Record<string, string | undefined> = readConfig(options.config, vendor);
  for (const s of VENDORS[vendor].settings) {
    const value = process.env[s.env];
    if (value !== undefined && value !== "") settings[s.key] = value;
  }
  if (options.baseUrl) settings.baseUrl = options.baseUrl;
  return settings;
}

/** Every secret value among the settings: scrubbed from everything the command prints or writes. */
export function secretsOf(vendor: VendorName, settings: Readonly<Record<string, string | undefined>>): string[] {
  return VENDORS[vendor].settings.filter((s) => s.secret && settings[s.key]).map((s) => settings[s.key]!);
}

/** Builds the vendor's client; a missing or malformed setting is a usage error naming its variable. */
export function createClient<V extends VendorName>(vendor: V, context: ClientContext): VendorClients[V] {
  try {
    return VENDORS[vendor].create(context) as VendorClients[V];
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const hint = VENDORS[vendor].settings.map((s) => s.env).join(", ");
      throw new UsageError(`${VENDORS[vendor].title}: ${error.message} (settings: ${hint}, or the config file)`);
    }
    throw error;
  }
}
