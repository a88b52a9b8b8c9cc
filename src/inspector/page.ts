import type { LoginConfig, PageConfig } from "./browser/wire.js";
// The scripts are TypeScript in ./browser/, bundled into this module by scripts/browser-scripts.ts.
import { LOGIN_SCRIPT, PAGE_SCRIPT } from "./browser-scripts.generated.js";
import { PAGE_STYLE } from "./page-style.js";

/** JSON inside a `<script>`: `<` is escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const LOGIN_STYLE = `body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; } input, button { font: inherit; }
.error { color: #c62828; } .error:empty { display: none; }`;

/** Both pages' document start, up to `<body>`; the style carries the response's CSP nonce. */
function documentHead(nonce: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>isr-plug inspector</title>
<style nonce="${nonce}">${style}</style>
</head>`;
}

const STATES = ["fresh", "stale", "stale-if-error", "expired", "missing", "fetching"];

/** The page: static markup, styles and script; all data arrives later as JSON. */
export function renderPage(config: PageConfig, nonce: string): string {
  const stateOptions = STATES.map((state) => `<option value="${state}">${state}</option>`).join("");
  return `${documentHead(nonce, PAGE_STYLE)}
<body>
<header>
<h1>isr-plug inspector</h1>
<label>Filter keys <input id="filter" type="search" autocomplete="off"></label>
<span><label for="state-filter">State</label> <select id="state-filter"><option value="">all</option>${stateOptions}</select></span>
<span><label for="sort">Sort by</label> <select id="sort"><option value="key">key</option><option value="state">state</option><option value="age">age, oldest first</option><option value="fetch">last fetch, slowest first</option></select></span>
<button id="pause" type="button" aria-pressed="false">Pause</button>
${config.signOut ? '<button id="sign-out" type="button">Sign out</button>' : ""}
<span class="grow"></span>
<span id="status" class="muted" role="status">Loading…</span>
<button id="sign-in" type="button" hidden>Sign in again</button>
<span id="notice" role="status"></span>
</header>
<main id="namespaces"></main>
<dialog id="confirm" aria-labelledby="confirm-text">
<p id="confirm-text"></p>
<div id="confirm-modes" class="modes" hidden>
<label><input type="radio" name="mode" value="hard" checked> <strong>hard</strong>: the entries become misses; the next request waits for a fetch</label>
<label><input type="radio" name="mode" value="soft"> <strong>soft</strong>: the entries are served stale while one refresh each runs</label>
</div>
<div class="buttons"><button id="confirm-cancel" type="button">Cancel</button><button id="confirm-ok" type="button" class="danger">Invalidate</button></div>
</dialog>
<script type="application/json" id="isr-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * What a browser gets without credentials: a form whose script posts the token in a header
 * (never a URL) for a session cookie. A `#token=` fragment is posted the same way.
 */
export function renderLogin(config: LoginConfig, nonce: string): string {
  const body = config.usesToken
    ? `<form id="sign-in-form"><label>Token <input id="token" name="token" type="password" autocomplete="off" required autofocus></label>
<button>Sign in</button></form>
<p id="problem" class="error" role="alert"></p>
<script type="application/json" id="isr-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${LOGIN_SCRIPT}</script>`
    : "<p>You are not allowed to see this page.</p>";
  return `${documentHead(nonce, LOGIN_STYLE)}
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
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
