import { describe, it } from "node:test"; // or Vitest's, Jest's or Mocha's describe and it
import { storeConformance } from "isr-plug/testing";
import { createMyStore } from "./my-store.js";

storeConformance(
  "my store",
  (clock) => {
    const store = createMyStore({ now: clock.now }); // expires entries on the suite's clock
    return { store, close: () => store.close() };
  },
  { describe, it },
);
