import { type Answer, type Delivery, TOO_LARGE } from "./core.js";

/** On every answer: it is about this request only, and nothing should keep it. */
export const ANSWER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "cache-control": "no-store",
  "content-type": "application/json; charset=utf-8",
});

/** Reads a Web body chunk by chunk, and stops (cancelling the stream) once past `limit`. */
async function readBounded(request: Request, limit: number): Promise<Uint8Array | typeof TOO_LARGE> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
}

export function webDelivery(request: Request): Delivery {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    read: (limit) => readBounded(request, limit),
  };
}

export function toResponse(answer: Answer): Response {
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { ...ANSWER_HEADERS, ...answer.headers },
  });
}
