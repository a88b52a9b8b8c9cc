import { context, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { traceIsrFetches } from "../../examples/metrics/tracing.js";
import { createIsr, createMemoryStore } from "../../src/index.js";
import { fakeClock, flush, recordingLogger } from "../helpers.js";
import { AlsContextManager } from "./als-context-manager.js";

let exporter: InMemorySpanExporter;
let tracer: Tracer;
let manager: AlsContextManager;
const stops: (() => void)[] = [];

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer("test");
  manager = new AlsContextManager();
  context.setGlobalContextManager(manager);
});

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  context.disable();
});

function startTracing(options: Parameters<typeof traceIsrFetches>[0] = {}) {
  stops.push(traceIsrFetches({ tracer, ...options }));
}

/** A request span around `work`, as HTTP instrumentation would open one. */
function request<T>(name: string, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work();
    } finally {
      span.end();
    }
  });
}

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const idOf = (span: ReadableSpan | undefined) => span?.spanContext().spanId;
const traceOf = (span: ReadableSpan | undefined) => span?.spanContext().traceId;

describe("recipe: an OpenTelemetry span per origin fetch", () => {
  it("makes the fetch of a miss a child of the request span; requests joining the fetch add no span", async () => {
    startTracing();
    const isr = createIsr<string, string>({
      namespace: "settings",
      store: createMemoryStore(),
      fetch: async (tenant) => `settings of ${tenant}`,
    });
    await Promise.all([
      request("GET /settings (first)", () => isr.get(["tenant", "acme"], "acme")),
      request("GET /settings (joins)", () => isr.get(["tenant", "acme"], "acme")),
    ]);
    const [fetchSpan, ...others] = named("isr-plug fetch");
    const [first] = named("GET /settings (first)");
    expect(others).toEqual([]);
    expect(fetchSpan?.parentSpanContext?.spanId).toBe(idOf(first));
    expect(traceOf(fetchSpan)).toBe(traceOf(first));
    expect(fetchSpan?.attributes).toEqual({
      "isr_plug.namespace": "settings",
      "isr_plug.purpose": "miss",
      "isr_plug.key": '["tenant","acme"]',
    });
    expect(fetchSpan?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("makes a background refresh a new trace linked to the request that found the value stale", async () => {
    startTracing({ recordKey: false });
    const clock = fakeClock();
    const isr = createIsr<number>({
      fetch: () => clock.now(),
      ttlMs: 10,
      store: createMemoryStore({ now: clock.now }),
      now: clock.now,
    });
    await request("GET /first", () => isr.get("k"));
    clock.advance(10);
    const served = await request("GET /stale", () => isr.get("k"));
    expect(served.state).toBe("stale");
    await flush();
    const [, refresh] = named("isr-plug fetch");
    const [stale] = named("GET /stale");
    expect(refresh?.attributes).toEqual({
      "isr_plug.namespace": isr.namespace,
      "isr_plug.purpose": "refresh",
    });
    expect(refresh?.parentSpanContext).toBeUndefined();
    expect(traceOf(refresh)).not.toBe(traceOf(stale));
    expect(refresh?.links.map((link) => link.context.spanId)).toEqual([idOf(stale)]);
  });

  it("marks failed fetches, rejected or thrown, as errors with the exception recorded", async () => {
    startTracing();
    const isr = createIsr<string, string>({
      store: createMemoryStore(),
      logger: recordingLogger(),
      fetch: (mode) => {
        if (mode === "throw") throw new Error("thrown before any await");
        return Promise.reject(new Error("origin answered 503"));
      },
    });
    await expect(request("GET /a", () => isr.get("a", "reject"))).rejects.toThrow("503");
    await expect(request("GET /b", () => isr.get("b", "throw"))).rejects.toThrow("thrown");
    const spans = named("isr-plug fetch");
    expect(spans.map((s) => [s.attributes["isr_plug.key"], s.status])).toEqual([
      ["a", { code: SpanStatusCode.ERROR, message: "origin answered 503" }],
      ["b", { code: SpanStatusCode.ERROR, message: "thrown before any await" }],
    ]);
    expect(spans.map((s) => s.events.map((e) => e.name))).toEqual([["exception"], ["exception"]]);
  });

  it("with contextStore, spans made inside fetch nest under the fetch span; without, under the request", async () => {
    const isr = createIsr<string, string>({
      store: createMemoryStore(),
      fetch: async (table) => {
        await flush();
        const query = tracer.startSpan(`SELECT ${table}`);
        query.end();
        return table;
      },
    });
    startTracing({ contextStore: manager.storage });
    await request("GET /nested", () => isr.get("nested", "nested"));
    const [fetchSpan] = named("isr-plug fetch");
    expect(named("SELECT nested")[0]?.parentSpanContext?.spanId).toBe(idOf(fetchSpan));
    expect(fetchSpan?.parentSpanContext?.spanId).toBe(idOf(named("GET /nested")[0]));
    // The caller's context is back once the fetch is done.
    expect(trace.getActiveSpan()).toBeUndefined();

    for (const stop of stops.splice(0)) stop();
    startTracing();
    await request("GET /flat", () => isr.get("flat", "flat"));
    expect(named("SELECT flat")[0]?.parentSpanContext?.spanId).toBe(idOf(named("GET /flat")[0]));
  });

  it("stops when asked; a fetch outside any request is a root span", async () => {
    const stop = traceIsrFetches({ tracer });
    const isr = createIsr<number>({ store: createMemoryStore(), fetch: () => 1 });
    await isr.get("outside");
    expect(named("isr-plug fetch").map((s) => s.parentSpanContext)).toEqual([undefined]);
    stop();
    await isr.get("after");
    expect(named("isr-plug fetch")).toHaveLength(1);
  });
});
