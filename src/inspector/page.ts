import { PAGE_SCRIPT } from "./page-script.js";

const STYLE = `
:root { color-scheme: light dark; --fresh: #2e9d4f; --stale: #d89b16; --error-window: #c0562b; --expired: #8a8a8a;
  --missing: #8a8a8a; --bg: Canvas; --line: color-mix(in srgb, CanvasText 15%, transparent); }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: CanvasText; }
header { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; padding: .75rem 1.25rem;
  border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--bg); z-index: 1; }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
main { padding: 0 1.25rem 2rem; }
input[type=search] { font: inherit; padding: .2rem .4rem; width: 16rem; }
button { font: inherit; padding: .15rem .6rem; cursor: pointer; }
button:disabled { cursor: progress; }
#notice:empty { display: none; }
.stats { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 .75rem; }
.stats div { display: flex; gap: .35rem; }
.stats dt { color: GrayText; }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: GrayText; }
td.key code { word-break: break-all; }
td.age { width: 16rem; }
td.actions { white-space: nowrap; text-align: right; }
td.actions button + button { margin-left: .35rem; }
.small { font-size: .85em; color: GrayText; }
.muted { color: GrayText; }
.error { color: #c62828; word-break: break-word; }
.ok { color: var(--fresh); }
.failed { color: #c62828; font-weight: 600; }
.state { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #fff; font-weight: 600; }
.state.fresh { background: var(--fresh); }
.state.stale { background: var(--stale); }
.state.error-window { background: var(--error-window); }
.state.expired { background: var(--expired); }
.state.missing { background: transparent; color: var(--missing); border: 1px solid var(--missing); }
.fetching { font-size: .85em; color: GrayText; }
.bar { position: relative; display: flex; height: .7rem; border-radius: .35rem; overflow: hidden; margin-top: .3rem; }
.phase { flex: 1; opacity: .35; }
.phase.fresh { background: var(--fresh); }
.phase.stale { background: var(--stale); }
.phase.error-window { background: var(--error-window); }
.marker { position: absolute; top: 0; bottom: 0; width: 3px; margin-left: -1px; background: CanvasText; }
code.value { display: block; max-width: 28rem; max-height: 6rem; overflow: auto; white-space: pre-wrap;
  word-break: break-all; font-size: .85em; }
`;

export interface PageConfig {
  basePath: string;
  pollMs: number;
  showValues: boolean;
}

/** JSON inside a `<script>`: `<` is escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** The page: static markup, styles and script; all data arrives later as JSON. */
export function renderPage(config: PageConfig, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>isr-plug inspector</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
<h1>isr-plug inspector</h1>
<label>Filter keys <input id="filter" type="search" autocomplete="off"></label>
<button id="pause" type="button" aria-pressed="false">Pause</button>
<span id="status" class="muted" role="status">Loading…</span>
<span id="notice" role="status"></span>
</header>
<main id="namespaces"></main>
<script type="application/json" id="isr-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** What a browser gets without credentials: a form that opens the page with `?token=`. */
export function renderLogin(nonce: string, withTokenForm: boolean): string {
  const body = withTokenForm
    ? `<form method="get"><label>Token <input name="token" type="password" autocomplete="off" required autofocus></label>
<button>Open</button></form>`
    : "<p>You are not allowed to see this page.</p>";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>isr-plug inspector</title>
<style nonce="${nonce}">body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; } input, button { font: inherit; }</style>
</head>
<body>
<h1>isr-plug inspector</h1>
${body}
</body>
</html>
`;
}

/** Scripts and styles run only with this response's nonce; nothing may frame the page. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
