import type { Metafile } from "esbuild";

export function sourceOfDistFile(distPath: string): string;
export function loadedFirst(outputs: Metafile["outputs"]): Set<string>;
