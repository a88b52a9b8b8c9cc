import { readdirSync } from "node:fs";
import type { Peer } from "./types.js";

/** Not peers: the helpers living next to them. */
const HELPERS = new Set(["index.ts", "types.ts", "version.ts"]);

/** Every peer file in this folder (each named after its peer), floor first, isr-plug next, then by `order`. */
export async function loadPeers(): Promise<Peer[]> {
  const files = readdirSync(new URL(".", import.meta.url)).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !HELPERS.has(file),
  );
  const peers = await Promise.all(
    files.map(async (file) => ((await import(`./${file}`)) as { peer: Peer }).peer),
  );
  return peers.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/**
 * One peer, importing only its own file, so a measuring child loads no other library: their
 * code and heap would blur its numbers. `name` is a file of bench/peers/ (`lru-cache`), or a
 * path under bench/ for a variant that is not a peer of every scenario (`redis/isr-plug-redis`).
 */
export async function loadPeer(name: string): Promise<Peer> {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(name) || HELPERS.has(`${name}.ts`)) {
    throw new Error(`bad peer name ${JSON.stringify(name)}`);
  }
  const file = name.includes("/") ? `../${name}.ts` : `./${name}.ts`;
  const { peer } = (await import(file)) as { peer: Peer };
  const expected = name.slice(name.lastIndexOf("/") + 1);
  if (peer?.name !== expected)
    throw new Error(`bench/${name}.ts must export a peer named ${JSON.stringify(expected)}`);
  return peer;
}
