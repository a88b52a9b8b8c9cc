/**
 * What one store announces to the others on `<prefix>events` (see docs/fleet-protocol.md).
 * Every message is a JSON object with the sender's instance id `i` (a store ignores its own),
 * a kind `o` and the store key `k`.
 */
export type Message =
  /** An entry was stored; `n` is its nonce. */
  | { i: string; o: "s"; k: string; n: string }
  /** An entry was deleted (invalidated). */
  | { i: string; o: "d"; k: string }
  /** A fetch lease was released; `f: 1` when its fetch failed (waiters then fetch at once). */
  | { i: string; o: "r"; k: string; f?: 1 }
  /** Every key of the prefix was deleted (`k` is ""). */
  | { i: string; o: "c"; k: string }
  /** A tag was invalidated (`k` is ""): namespace, tag, mode, sequence number. */
  | { i: string; o: "t"; k: string; t: TagAnnouncement };

export interface TagAnnouncement {
  s: string;
  g: string;
  m: "soft" | "hard";
  a: number;
}

export function encodeMessage(message: Message): string {
  return JSON.stringify(message);
}

/**
 * The head of a tag announcement: its JSON up to the sequence number, which the tag script
 * appends (with the closing `}}`) once it knows it.
 */
export function tagAnnouncementHead(
  sender: string,
  namespace: string,
  tag: string,
  mode: "soft" | "hard",
): string {
  const full = encodeMessage({ i: sender, o: "t", k: "", t: { s: namespace, g: tag, m: mode, a: 0 } });
  return full.slice(0, full.length - "0}}".length);
}

/** Parses a channel message; anything unexpected is ignored (undefined). */
export function decodeMessage(text: string): Message | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const { i, o, k, f, n, t } = parsed as Record<string, unknown>;
  if (typeof i !== "string" || typeof k !== "string") return undefined;
  switch (o) {
    case "s":
      return typeof n === "string" ? { i, o, k, n } : undefined;
    case "d":
    case "c":
      return { i, o, k };
    case "r":
      return f === 1 ? { i, o, k, f } : { i, o, k };
    case "t": {
      const tag = t as Record<string, unknown> | null;
      if (tag === null || typeof tag !== "object") return undefined;
      const { s, g, m, a } = tag;
      if (
        typeof s !== "string" ||
        typeof g !== "string" ||
        (m !== "soft" && m !== "hard") ||
        typeof a !== "number" ||
        !Number.isSafeInteger(a)
      ) {
        return undefined;
      }
      return { i, o, k, t: { s, g, m, a } };
    }
    default:
      return undefined;
  }
}
