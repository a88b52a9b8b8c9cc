/**
 * The sign-in page's script. The token travels once, in an `Authorization` header of a POST,
 * and comes back as an `HttpOnly` cookie the script cannot read. A `#token=` fragment (a
 * link printed by a server: browsers never send fragments) is used the same way and wiped
 * from the address bar first; a `?token=` is wiped and refused.
 */
export const LOGIN_SCRIPT = `
"use strict";
const config = JSON.parse(document.getElementById("isr-config").textContent);
const form = document.getElementById("sign-in-form");
const input = document.getElementById("token");
const problem = document.getElementById("problem");

/** The token of a #token= fragment, if any, after wiping it (and any ?token=) from the address bar. */
function takeTokenFromAddress() {
  const params = new URLSearchParams(location.search);
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token");
  if (params.has("token") || fromFragment !== null) {
    params.delete("token");
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }
  return fromFragment;
}
const fromFragment = takeTokenFromAddress();
if (config.tokenInQuery) {
  problem.textContent = "A token in the address (?token=) is not accepted: servers and proxies log addresses. " +
    "Enter it here, or use a link ending in #token=.";
}

async function signIn(token) {
  form.querySelector("button").disabled = true;
  try {
    const response = await fetch(config.basePath + "/session", {
      method: "POST",
      headers: { authorization: "Bearer " + token, "x-isr-inspector": "1" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 204) {
      location.reload();
      return;
    }
    problem.textContent = response.status === 401 ? "Wrong token." : "The inspector answered " + response.status + ".";
  } catch (error) {
    problem.textContent = "Cannot reach the inspector: " + error.message;
  } finally {
    form.querySelector("button").disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn(input.value);
});
if (fromFragment) signIn(fromFragment);
// A #token= link opened over this very page changes only the fragment: no new page load.
window.addEventListener("hashchange", () => {
  const token = takeTokenFromAddress();
  if (token) signIn(token);
});
`;
