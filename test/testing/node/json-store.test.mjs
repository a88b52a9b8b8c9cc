import { describe, it } from "node:test";
import { storeConformance } from "isr-plug/testing";
import { createJsonStore } from "./json-store.js";

storeConformance(
  "json store",
  (clock) => {
    const store = createJsonStore({ now: clock.now });
    return { store, close: () => store.close() };
  },
  { describe, it },
);
