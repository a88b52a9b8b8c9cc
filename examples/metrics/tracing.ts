/**
 * Recipe: an OpenTelemetry span per origin fetch, from the `isr-plug:fetch` tracing channel,
 * tied to the request that triggered it. Copy this file; in your app import the types from
 * "isr-plug". Needs only `@opentelemetry/api`; the SDK and context manager are your app's.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import {
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { CacheKey, FetchPurpose } from "../../src/index.js";

/** What the engine publishes on `isr-plug:fetch` (`tracePromise` adds `result` or `error`). */
export interface FetchMessage {
  namespace: string;
  key: CacheKey;
  purpose: FetchPurpose;
  result?: unknown;
  error?: unknown;
}

export interface TraceIsrFetchesOptions {
  /** @default trace.getTracer("isr-plug") */
  tracer?: Tracer;
  /** Puts the cache key on spans as `isr_plug.key`; turn off if keys hold personal data. @default true */
  recordKey?: boolean;
  /**
   * The AsyncLocalStorage your context manager keeps the active Context in. With it, the
   * fetch span is the active span inside your `fetch`, so spans your HTTP or database
   * client creates there nest under it; without it they nest under the request's span.
   */
  contextStore?: AsyncLocalStorage<Context>;
}

export const FETCH_CHANNEL = "isr-plug:fetch";

/**
 * Starts tracing fetches; returns the function that stops. A fetch a request waits for (a
 * miss) is a child of the request's span. A background refresh is a new trace linked to the
 * request that found the value stale: it runs after that response was sent, and a child
 * outliving its parent would skew the request's latency in most trace views.
 */
export function traceIsrFetches(options: TraceIsrFetchesOptions = {}): () => void {
  const tracer = options.tracer ?? trace.getTracer("isr-plug");
  const recordKey = options.recordKey ?? true;
  const channel = diagnostics.tracingChannel<Context, FetchMessage>(FETCH_CHANNEL);
  const spans = new WeakMap<FetchMessage, Span>();

  // Called in the context of the code that called `isr.get` (the engine publishes `start`
  // synchronously there), so `context.active()` holds the request's span.
  const spanFor = (message: FetchMessage): Span => {
    const existing = spans.get(message);
    if (existing !== undefined) return existing;
    const parent = context.active();
    const attributes: Record<string, string> = {
      "isr_plug.namespace": message.namespace,
      "isr_plug.purpose": message.purpose,
    };
    if (recordKey) {
      attributes["isr_plug.key"] =
        typeof message.key === "string" ? message.key : JSON.stringify(message.key);
    }
    const requestSpan = trace.getSpan(parent);
    const span =
      message.purpose === "refresh" && requestSpan !== undefined
        ? tracer.startSpan(
            "isr-plug fetch",
            {
              kind: SpanKind.INTERNAL,
              attributes,
              root: true,
              links: [{ context: requestSpan.spanContext() }],
            },
            parent,
          )
        : tracer.startSpan("isr-plug fetch", { kind: SpanKind.INTERNAL, attributes }, parent);
    spans.set(message, span);
    return span;
  };

  const finish = (message: FetchMessage): void => {
    const span = spans.get(message);
    if (span === undefined) return;
    spans.delete(message);
    if ("error" in message) {
      const error = message.error;
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    span.end();
  };

  const handlers = {
    start: (message: FetchMessage) => {
      spanFor(message);
    },
    // `end` fires when `fetch` returns; only a synchronous throw has set `error` by then,
    // and no async event follows it.
    end: (message: FetchMessage) => {
      if ("error" in message) finish(message);
    },
    asyncStart: () => {},
    asyncEnd: finish,
    error: () => {},
  };
  channel.subscribe(handlers);
  const store = options.contextStore;
  // The transform runs before `start` is published and before the store is entered, so
  // it still sees the caller's context as the parent.
  if (store !== undefined)
    channel.start.bindStore(store, (message) => trace.setSpan(context.active(), spanFor(message)));
  return () => {
    channel.unsubscribe(handlers);
    if (store !== undefined) channel.start.unbindStore(store);
  };
}
