import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import fp from "fastify-plugin";
import { describeValue } from "../check.js";
import type { Isr } from "../engine.js";
import type { Logger } from "../log.js";
import type { IsrOptions } from "../options.js";
import { addCacheStatusOnHeaders } from "./cache-status-node.js";
import { appLogger } from "./fastify-logger.js";
import { type IsrInfo, PASS_THROUGH_WARNING, Plug, type PlugCallbacks } from "./plug.js";

export type { IsrInfo } from "./plug.js";
export { type FastifyResponseOptions, isrResponse } from "./response-fastify.js";

/** Request phases the plugin can run in. */
export type IsrHook = "onRequest" | "preHandler";

/** Options of the Fastify plugin: the core options plus request callbacks. */
export interface FastifyIsrOptions<V, E = unknown>
  extends IsrOptions<V, E>,
    PlugCallbacks<FastifyRequest, E> {
  /**
   * Puts the value on the request or reply (the seed's `apply_fun`); may return a Promise.
   * To type what it sets, declare it on `FastifyRequest` (`declare module "fastify"`).
   */
  apply: (request: FastifyRequest, reply: FastifyReply, value: V, info: IsrInfo) => unknown;
  /**
   * Handles a failed synchronous fetch. If it sends the reply, the route does not run.
   * @default logs a warning with `request.log` and passes the request through; `apply` is not called
   */
  onError?: (request: FastifyRequest, reply: FastifyReply, error: unknown) => unknown;
  /**
   * The hook to run in: `"onRequest"` runs before the body is parsed; `"preHandler"` after,
   * when `extract` or `cacheKey` need `request.body`. @default "onRequest"
   */
  hook?: IsrHook;
  /** Name of the instance decorator holding the engine (`fastify.isr`). @default "isr" */
  decorator?: string;
  /** pino-compatible logger for the engine. @default the app's logger, `fastify.log` */
  logger?: Logger;
}

/**
 * The plugin's type. Generic in the value and the extracted data:
 * `app.register(isrPlug<Settings, { tenant: string }>, options)` types `fetch` and `apply`.
 * Registered without type arguments, the value is `unknown`.
 */
export interface IsrFastifyPlugin {
  <V, E = unknown>(instance: FastifyInstance, options: FastifyIsrOptions<V, E>, done: PluginDone): void;
  // Last, so that `register` infers its options from this one when no type arguments are given.
  (instance: FastifyInstance, options: FastifyIsrOptions<unknown, unknown>, done: PluginDone): void;
}

type PluginDone = (error?: Error) => void;

/**
 * A Reply is thenable (it settles when the response is sent), so a callback written as
 * `(request, reply, value) => reply.header("x", value)` must not have its result awaited.
 */
function notReply(result: unknown, reply: FastifyReply): unknown {
  return result === reply ? undefined : result;
}

type FastifyPlug<V, E> = Plug<FastifyRequest, V, E, FastifyReply, HookHandlerDoneFunction>;

/** Validates the plugin's own options and builds the plug; throws a `TypeError` naming a bad one. */
function createPlug<V, E>(fastify: FastifyInstance, options: FastifyIsrOptions<V, E>) {
  // `register` hands Fastify's own options (prefix, logLevel, ...) to the plugin too; the
  // core rejects names it does not know, so they are taken out here.
  const {
    hook = "onRequest",
    decorator = "isr",
    prefix,
    logLevel,
    logSerializers,
    ...rest
  } = options as FastifyIsrOptions<V, E> & Record<"prefix" | "logLevel" | "logSerializers", unknown>;
  if (hook !== "onRequest" && hook !== "preHandler") {
    throw new TypeError(`isr-plug: "hook" must be "onRequest" or "preHandler", got ${describeValue(hook)}`);
  }
  if (typeof decorator !== "string" || decorator.length === 0) {
    throw new TypeError(`isr-plug: "decorator" must be a non-empty string, got ${describeValue(decorator)}`);
  }
  const { apply, onError } = rest;
  const plug: FastifyPlug<V, E> = new Plug(
    { ...rest, logger: rest.logger ?? appLogger(fastify.log) },
    {
      usage: "app.register(isrPlug, { fetch, apply, ... })",
      apply: (request, reply, value, info) => notReply(apply(request, reply, value, info), reply),
      onError: onError && ((request, reply, error) => notReply(onError(request, reply, error), reply)),
      proceed: (_request, reply, next, _applied, _info, cacheStatus) => {
        if (cacheStatus !== undefined) addCacheStatusOnHeaders(reply.raw, cacheStatus);
        next();
      },
      afterError: (_request, reply, next, _handled, cacheStatus) => {
        if (reply.sent) return;
        if (cacheStatus !== undefined) addCacheStatusOnHeaders(reply.raw, cacheStatus);
        next();
      },
      fail: (_request, _reply, next, error) => next(error as Error),
      warnPassThrough: (request, error) => {
        request.log.warn({ namespace: plug.engine.namespace, err: error }, PASS_THROUGH_WARNING);
      },
    },
  );
  return { plug, hook, decorator };
}

/** Puts the engine on the instance; a name already taken says how to register a second engine. */
function decorate(fastify: FastifyInstance, decorator: string, engine: Isr<unknown, unknown>): void {
  try {
    fastify.decorate(decorator, engine);
  } catch (error) {
    void engine.close();
    if ((error as { code?: unknown }).code !== "FST_ERR_DEC_ALREADY_PRESENT") throw error;
    throw new Error(
      `isr-plug: this Fastify instance already has "${decorator}" (isr-plug registered twice in one context?): give each registration its own engine name with the "decorator" option, e.g. app.register(isrPlug, { decorator: "pages", ... }), then use app.pages`,
      { cause: error },
    );
  }
}

const CALLED_NOT_REGISTERED =
  "isr-plug: isrPlug is a Fastify plugin, handed to register with its options: write app.register(isrPlug, { fetch, apply, ... }), not app.register(isrPlug({ ... }))";

function plugin<V, E>(fastify: FastifyInstance, options: FastifyIsrOptions<V, E>, done: PluginDone): void {
  // Fastify calls a plugin with (instance, options, done); called by hand, there is no `done`.
  if (typeof done !== "function") throw new TypeError(CALLED_NOT_REGISTERED);
  let created: ReturnType<typeof createPlug<V, E>>;
  try {
    created = createPlug(fastify, options);
    decorate(fastify, created.decorator, created.plug.engine satisfies Isr<V, E>);
  } catch (error) {
    done(error as Error);
    return;
  }
  const { plug, hook } = created;

  // A callback hook, so a hit from a synchronous store goes on without a promise hop. It
  // returns undefined: Fastify treats a returned Promise as an async hook.
  const isrPlugHook = (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction): void => {
    const pending = plug.run(request, reply, next);
    if (pending instanceof Promise) pending.catch(plug.reportLate);
  };
  // Both hooks take the same (request, reply, done) handler.
  fastify.addHook(hook as "onRequest", isrPlugHook);
  fastify.addHook("onClose", (_instance, closed) => {
    plug.engine.close().then(() => closed(), closed);
  });
  done();
}

/**
 * Fastify plugin: serves cached data to `apply` in every route of the context it is
 * registered in, refreshing it in the background when stale.
 * `app.register(isrPlug, { fetch, apply, extract, cacheKey })`; the engine is `app.isr`.
 */
export const isrPlug = fp(plugin as never, { fastify: "5.x", name: "isr-plug" }) as IsrFastifyPlugin;

export default isrPlug;
