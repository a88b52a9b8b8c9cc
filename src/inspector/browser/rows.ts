/**
 * The page's entry rows (shared by the per-process list and the fleet view), the actions on
 * them, and the confirmation asked before a destructive one.
 */
import { call, poll, say, sections } from "./core.js";
import { byId, duration, el, keyText } from "./dom.js";
import { loadFleet } from "./views.js";
import type { RowEntry, WireEntry } from "./wire.js";

/** A row's cells by name; the local list has `last` (and `value` with showValues), the fleet view neither. */
export interface Cells {
  key: HTMLTableCellElement;
  state: HTMLTableCellElement;
  age: HTMLTableCellElement;
  last?: HTMLTableCellElement;
  value?: HTMLTableCellElement;
  actions?: HTMLTableCellElement;
}

export interface Row {
  cells: Cells;
  tags: HTMLElement;
  /** The tags the chips show, as JSON: chips are rebuilt only when it changes. */
  tagsShown: string | null;
  tr: HTMLTableRowElement;
  entry?: RowEntry & Partial<WireEntry>;
}

type Mode = "hard" | "soft";

const dialog = byId<HTMLDialogElement>("confirm");
const confirmText = byId("confirm-text");
const confirmModes = byId("confirm-modes");
let answerConfirm: ((answer: { ok: boolean; mode: Mode }) => void) | null = null;

/** Asks before a destructive action. */
function confirmAction(text: string, withModes: boolean): Promise<{ ok: boolean; mode: Mode }> {
  confirmText.textContent = text;
  confirmModes.hidden = !withModes;
  (confirmModes.querySelector('input[value="hard"]') as HTMLInputElement).checked = true;
  dialog.returnValue = "";
  dialog.showModal();
  byId("confirm-cancel").focus();
  return new Promise((resolve) => {
    answerConfirm = resolve;
  });
}

/** Wires the confirmation dialog's buttons. */
export function startRows(): void {
  byId("confirm-cancel").addEventListener("click", () => dialog.close("cancel"));
  byId("confirm-ok").addEventListener("click", () => dialog.close("ok"));
  dialog.addEventListener("close", () => {
    const answer = answerConfirm;
    answerConfirm = null;
    const mode = (confirmModes.querySelector("input:checked") as HTMLInputElement).value as Mode;
    if (answer) answer({ ok: dialog.returnValue === "ok", mode });
  });
}

type Phase = [name: string, length: number | null | undefined];

// Each phase (fresh, stale, stale-if-error) gets an equal share of the bar, so a 1 min TTL
// stays visible next to a 1 h stale window; the marker moves linearly within its phase.
function agePosition(ageMs: number, phases: Phase[]): number {
  let rest = ageMs;
  for (let i = 0; i < phases.length; i++) {
    const length = (phases[i] as Phase)[1];
    if (length === null) return i + rest / (rest + 60000);
    if (length !== undefined && rest < length) return i + rest / length;
    rest -= length ?? Number.NaN;
  }
  return phases.length;
}

function renderBar(cell: HTMLElement, entry: RowEntry): void {
  cell.replaceChildren();
  if (entry.ageMs === undefined) {
    cell.append(el("span", "muted", "no value"));
    return;
  }
  const phases = (
    [
      ["fresh", entry.ttlMs],
      ["stale", entry.staleTtlMs],
      ["stale-if-error", entry.staleIfErrorMs],
    ] as Phase[]
  ).filter(([, length]) => length !== 0);
  const bar = el("div", "bar");
  for (const [name] of phases) bar.append(el("span", `phase ${name}`));
  const marker = el("span", "marker");
  const at = phases.length === 0 ? 1 : agePosition(entry.ageMs, phases) / phases.length;
  marker.style.left = `${Math.min(100, at * 100).toFixed(2)}%`;
  bar.append(marker);
  const limits = phases.map(([name, length]) => `${name} ${duration(length)}`).join(" + ");
  bar.title = `age ${duration(entry.ageMs)} of ${limits}`;
  cell.append(bar, el("div", "small", `${duration(entry.ageMs)} / ${limits}`));
}

function renderLastFetch(cell: HTMLElement, entry: Partial<WireEntry>): void {
  cell.replaceChildren();
  const last = entry.lastFetch;
  if (!last) {
    cell.append(el("span", "muted", "\u2013"));
    return;
  }
  const outcome = el("span", last.ok ? "ok" : "failed", last.ok ? "ok" : "failed");
  // agoMs is read on the engine's own clock, whatever clock that is.
  cell.append(outcome, ` in ${duration(last.durationMs)}, ${duration(last.agoMs)} ago`);
  if (last.error) cell.append(el("div", "error", last.error));
}

function renderValue(cell: HTMLElement, entry: Partial<WireEntry>): void {
  cell.replaceChildren();
  if (entry.value !== undefined) {
    cell.append(el("code", "value", entry.value));
    if (entry.valueTruncated) cell.append(el("div", "small", "cut at 4 KiB"));
  } else if (entry.valueError) cell.append(el("span", "error", entry.valueError));
  else cell.append(el("span", "muted", "\u2013"));
}

/** Tag chips, rebuilt only when the tags change: a chip replaced under the pointer eats its click. */
function renderTags(row: Row, ns: string, tags: readonly string[] | undefined): void {
  const shown = JSON.stringify(tags || []);
  if (row.tagsShown === shown) return;
  row.tagsShown = shown;
  row.tags.replaceChildren();
  for (const tag of tags || []) {
    const chip = el("button", "tag", tag);
    chip.type = "button";
    chip.dataset.tag = tag;
    chip.title = `Invalidate every entry tagged ${tag}`;
    chip.setAttribute("aria-label", `Invalidate tag ${tag}`);
    chip.addEventListener("click", () => invalidateTag(ns, tag));
    row.tags.append(chip);
  }
}

export function newRow(ns: string, cells: Cells, withActions: boolean): Row {
  const row: Row = { cells, tags: el("div", "tags"), tagsShown: null, tr: el("tr") };
  if (withActions) {
    const actions = el("td", "actions");
    cells.actions = actions;
    for (const [label, action] of [
      ["Revalidate", "revalidate"],
      ["Invalidate", "invalidate"],
    ] as const) {
      const button = el("button", action, label);
      button.type = "button";
      button.dataset.action = action;
      button.addEventListener("click", () => act(button, ns, (row.entry as WireEntry).id, action));
      actions.append(button);
    }
  }
  row.tr.append(...Object.values(cells));
  return row;
}

export function updateRow(
  row: Row,
  ns: string,
  entry: RowEntry & Partial<WireEntry>,
  badge?: string | null,
): void {
  row.entry = entry;
  const key = keyText(entry.key);
  row.tr.dataset.key = key;
  row.tr.dataset.state = entry.state;
  row.cells.key.replaceChildren(el("code", "", key));
  if (badge) row.cells.key.append(el("span", "badge", badge));
  row.cells.key.append(row.tags);
  renderTags(row, ns, entry.tags);
  row.cells.state.replaceChildren(el("span", `state ${entry.state}`, entry.state));
  if (entry.fetching) row.cells.state.append(" ", el("span", "fetching", "fetching\u2026"));
  renderBar(row.cells.age, entry);
  if (row.cells.last) renderLastFetch(row.cells.last, entry);
  if (row.cells.value) renderValue(row.cells.value, entry);
}

export function cell(className: string, label?: string): HTMLTableCellElement {
  const td = el("td", className);
  if (label) td.dataset.label = label;
  return td;
}

async function act(button: HTMLButtonElement, ns: string, id: string, action: "revalidate" | "invalidate") {
  const key = (button.closest("tr") as HTMLTableRowElement).dataset.key;
  if (action === "invalidate") {
    const answer = await confirmAction(
      `Invalidate ${key} in ${ns}? The next request for it waits for a fetch.`,
      false,
    );
    if (!answer.ok) return;
  }
  button.disabled = true;
  say(`${action} ${key}\u2026`, "muted");
  try {
    await call(`/api/${action}?${new URLSearchParams({ engine: ns, id })}`, "POST");
    say(`${action === "revalidate" ? "Revalidated " : "Invalidated "}${key}.`, "ok");
  } catch (error) {
    say(`${action} ${key} failed: ${(error as Error).message}`, "error");
  } finally {
    button.disabled = false;
    poll();
  }
}

async function invalidateTag(ns: string, tag: string) {
  const answer = await confirmAction(`Invalidate every entry tagged ${tag} in ${ns}?`, true);
  if (!answer.ok) return;
  say(`invalidating tag ${tag}\u2026`, "muted");
  try {
    await call(`/api/invalidate-tag?${new URLSearchParams({ engine: ns, tag, mode: answer.mode })}`, "POST");
    say(`Invalidated tag ${tag} (${answer.mode}).`, "ok");
  } catch (error) {
    say(`invalidating tag ${tag} failed: ${(error as Error).message}`, "error");
  } finally {
    poll();
    const s = sections.get(ns);
    if (s?.fleet?.open) loadFleet(s);
  }
}
