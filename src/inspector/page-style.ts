/**
 * The page's styles. Below 900 px the entry tables turn into one card per entry, so the key
 * keeps a full line instead of being squeezed into a narrow column.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --fresh: #2e9d4f; --stale: #c98a0b; --stale-if-error: #c0562b;
  --expired: #8a8a8a; --missing: #8a8a8a; --danger: #c62828; --bg: Canvas;
  --line: color-mix(in srgb, CanvasText 15%, transparent); --soft: color-mix(in srgb, CanvasText 5%, transparent); }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: CanvasText; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1.25rem;
  border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--bg); z-index: 2; }
h1 { font-size: 1.1rem; margin: 0 .5rem 0 0; }
h2 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
h3 { font-size: .9rem; margin: 0 0 .4rem; color: GrayText; font-weight: 600; }
main { padding: 0 1.25rem 2rem; }
label { white-space: nowrap; }
input[type=search], select { font: inherit; padding: .2rem .4rem; }
input[type=search] { width: 14rem; max-width: 60vw; }
button { font: inherit; padding: .15rem .6rem; cursor: pointer; }
button:disabled { cursor: progress; }
button.danger { color: #fff; background: var(--danger); border: 1px solid var(--danger); border-radius: .25rem; }
.grow { flex: 1; }
#notice:empty { display: none; }
.stats { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 .75rem; }
.stats div { display: flex; gap: .35rem; }
.stats dt { color: GrayText; }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
.panels { display: grid; grid-template-columns: minmax(36rem, 2fr) minmax(14rem, 1fr) minmax(14rem, 1fr); gap: .75rem; margin-bottom: .75rem; }
.panel { border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .65rem; background: var(--soft); min-width: 0; }
.rates-panel { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: GrayText; }
table.rates th, table.rates td { padding: .15rem .35rem; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.rates th { white-space: normal; vertical-align: bottom; font-size: .85em; }
table.rates th:first-child, table.rates td:first-child { text-align: left; }
.hist { display: grid; grid-template-columns: auto minmax(2rem, 1fr) auto; gap: .1rem .4rem; align-items: center;
  font-size: .85em; font-variant-numeric: tabular-nums; }
.hist .track { height: .6rem; background: var(--line); border-radius: .3rem; overflow: hidden; }
.hist .fill { display: block; height: 100%; background: #3b73c4; }
.hist .count { text-align: right; }
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin-bottom: .25rem; }
.tabs button { border: 1px solid transparent; border-bottom: none; background: none; border-radius: .35rem .35rem 0 0; padding: .3rem .8rem; }
.tabs button[aria-selected=true] { border-color: var(--line); background: var(--soft); font-weight: 600; }
td.key { min-width: 14rem; }
td.key code { word-break: break-all; }
td.age { width: 16rem; }
td.last { width: 15rem; }
td.actions { white-space: nowrap; text-align: right; width: 1%; }
td.actions button + button { margin-left: .35rem; }
.tags { display: flex; flex-wrap: wrap; gap: .25rem; margin-top: .3rem; }
button.tag { font-size: .8em; padding: 0 .45rem; border-radius: .7rem; border: 1px solid var(--line); background: var(--soft);
  max-width: 100%; overflow-wrap: anywhere; text-align: left; }
button.tag::after { content: " \\00d7"; color: var(--danger); }
.small { font-size: .85em; color: GrayText; }
.muted { color: GrayText; }
.error { color: var(--danger); word-break: break-word; }
.ok { color: var(--fresh); }
.failed { color: var(--danger); font-weight: 600; }
.badge { font-size: .75em; border: 1px solid var(--line); border-radius: .6rem; padding: 0 .4rem; color: GrayText; margin-left: .35rem; white-space: nowrap; }
.state { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #fff; font-weight: 600; white-space: nowrap; }
.state.fresh { background: var(--fresh); }
.state.stale { background: var(--stale); }
.state.stale-if-error { background: var(--stale-if-error); }
.state.expired { background: var(--expired); }
.state.missing { background: transparent; color: var(--missing); border: 1px solid var(--missing); }
.fetching { font-size: .85em; color: GrayText; }
.bar { position: relative; display: flex; height: .7rem; border-radius: .35rem; overflow: hidden; margin-top: .3rem; }
.phase { flex: 1; opacity: .35; }
.phase.fresh { background: var(--fresh); }
.phase.stale { background: var(--stale); }
.phase.stale-if-error { background: var(--stale-if-error); }
.marker { position: absolute; top: 0; bottom: 0; width: 3px; margin-left: -1px; background: CanvasText; }
code.value { display: block; max-width: 28rem; max-height: 6rem; overflow: auto; white-space: pre-wrap;
  word-break: break-all; font-size: .85em; }
dialog { border: 1px solid var(--line); border-radius: .5rem; max-width: 32rem; background: Canvas; color: CanvasText; }
dialog::backdrop { background: rgb(0 0 0 / 35%); }
dialog .modes { display: grid; gap: .35rem; margin: .5rem 0; }
dialog .modes label { white-space: normal; }
dialog .buttons { display: flex; justify-content: flex-end; gap: .5rem; margin-top: .75rem; }
@media (max-width: 1250px) {
  .panels { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .panels .rates-panel { grid-column: 1 / -1; }
}
@media (max-width: 560px) {
  .panels { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 900px) {
  header { padding: .5rem .75rem; }
  main { padding: 0 .75rem 2rem; }
  table.entries thead { display: none; }
  table.entries, table.entries tbody { display: block; }
  table.entries tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .2rem .75rem;
    padding: .55rem 0; border-bottom: 1px solid var(--line); }
  table.entries td { display: block; border: none; padding: 0; width: auto; min-width: 0; }
  table.entries td.key { grid-column: 1 / -1; }
  table.entries td.age, table.entries td.last, table.entries td.value-cell { grid-column: 1 / -1; }
  table.entries td.state-cell { grid-column: 1; }
  table.entries td.actions { grid-column: 2; grid-row: 2; text-align: right; }
  table.entries td[data-label]::before { content: attr(data-label) ": "; color: GrayText; font-size: .85em; }
  table.entries td.key::before, table.entries td.state-cell::before, table.entries td.actions::before { content: none; }
  code.value { max-width: none; }
}
`;
