/**
 * The sign-in page's script. The token travels once, in an `Authorization` header of a POST,
 * and comes back as an `HttpOnly` cookie the script cannot read. A `#token=` fragment (a
 * link printed by a server: browsers never send fragments) is used the same way and wiped
 * from the address bar first; a `?token=` is wiped and refused.
 */
import { byId, readConfig, wipeTokenFromAddress } from "./dom.js";
import type { LoginConfig } from "./wire.js";

const config = readConfig<LoginConfig>();
const form = byId<HTMLFormElement>("sign-in-form");
const input = byId<HTMLInputElement>("token");
const problem = byId("problem");
const button = form.querySelector("button") as HTMLButtonElement;

const fromFragment = wipeTokenFromAddress();
if (config.tokenInQuery) {
  problem.textContent =
    "A token in the address (?token=) is not accepted: servers and proxies log addresses. " +
    "Enter it here, or use a link ending in #token=.";
}

async function signIn(token: string): Promise<void> {
  button.disabled = true;
  try {
    // biome-ignore lint/style/useTemplate: the path stays one literal, "/session", which tests look for.
    const response = await fetch(config.basePath + "/session", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-isr-inspector": "1" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 204) {
      location.reload();
      return;
    }
    problem.textContent =
      response.status === 401 ? "Wrong token." : `The inspector answered ${response.status}.`;
  } catch (error) {
    problem.textContent = `Cannot reach the inspector: ${(error as Error).message}`;
  } finally {
    button.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn(input.value);
});
if (fromFragment) signIn(fromFragment);
// A #token= link opened over this very page changes only the fragment: no new page load.
window.addEventListener("hashchange", () => {
  const token = wipeTokenFromAddress();
  if (token) signIn(token);
});
