// Type tests, checked by `npm run typecheck` (tsc): what the inspector's server sends fits what
// its browser scripts (src/inspector/browser/, typed by wire.ts) read. Never executed.
import type { WireFleetView, WireSnapshot } from "../../src/inspector/browser/wire.js";
import type { FleetView } from "../../src/inspector/fleet.js";
import type { InspectorSnapshot } from "../../src/inspector/snapshot.js";

declare const snapshot: InspectorSnapshot;
declare const fleet: FleetView;

snapshot satisfies WireSnapshot;
fleet satisfies WireFleetView;

declare const renamed: Omit<InspectorSnapshot, "namespaces"> & { spaces: InspectorSnapshot["namespaces"] };
// @ts-expect-error a field the page reads, renamed on the server, is a compile error
renamed satisfies WireSnapshot;
