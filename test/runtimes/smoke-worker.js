// The smoke server as a workerd module worker: the origin's address is a binding.
import { createHandler } from "./smoke-server.js";

let handler;

export default {
  fetch(request, env) {
    handler ??= createHandler(() => env.SETTINGS_ORIGIN);
    return handler(request);
  },
};
