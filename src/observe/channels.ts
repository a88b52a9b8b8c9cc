import type { IsrEventName } from "./events.js";

/** The subset of `node:diagnostics_channel` used here; absent on runtimes without it. */
interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

interface TracingChannel {
  readonly hasSubscribers?: boolean;
  readonly start: Channel;
  tracePromise<T>(fn: () => Promise<T>, context: object): Promise<T>;
}

interface DiagnosticsChannel {
  channel(name: string): Channel;
  tracingChannel(name: string): TracingChannel;
}

/** Names of the channels: `isr-plug:<event>`, and the tracing channel `isr-plug:fetch`. */
export const CHANNEL_PREFIX = "isr-plug:";

const NAMES: readonly IsrEventName[] = [
  "hit",
  "stale",
  "miss",
  "staleIfError",
  "fetchStart",
  "fetchEnd",
  "refresh",
  "refreshError",
  "timeout",
  "evict",
  "invalidate",
  "invalidateTag",
];

const silent: Channel = { hasSubscribers: false, publish() {} };

/**
 * The engine's diagnostics channels, so APM tools can subscribe with zero config, as with
 * undici and lru-cache. The module is looked up without a static `node:` import, so the
 * engine still loads on runtimes without it (workers), where every channel stays silent.
 */
export const channels: Record<IsrEventName, Channel> = Object.fromEntries(
  NAMES.map((n) => [n, silent]),
) as Record<IsrEventName, Channel>;

/** Traces each origin fetch (start, end, asyncStart, asyncEnd, error), with the event's fields as context. */
export let fetchTracing: TracingChannel | undefined;

function install(dc: DiagnosticsChannel): void {
  for (const name of NAMES) channels[name] = dc.channel(`${CHANNEL_PREFIX}${name}`);
  fetchTracing = dc.tracingChannel(`${CHANNEL_PREFIX}fetch`);
}

/**
 * `node:diagnostics_channel` through getBuiltinModule (Node >= 20.16, Bun, Deno): no import
 * statement that bundlers for workers would choke on. Next.js's Edge runtime defines a
 * `process` whose unsupported members throw when merely read, so the lookup is guarded: there
 * the module is absent, as on workers, and the channels stay silent.
 */
function findDiagnosticsChannel(): DiagnosticsChannel | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return runtime?.getBuiltinModule?.("node:diagnostics_channel") as DiagnosticsChannel | undefined;
  } catch {
    return undefined;
  }
}

const builtin = findDiagnosticsChannel();
if (builtin !== undefined) install(builtin);

/** True when someone listens to the fetch tracing channel. */
export function tracingFetches(): boolean {
  const tracing = fetchTracing;
  if (tracing === undefined) return false;
  return tracing.hasSubscribers ?? tracing.start.hasSubscribers;
}
