// on-headers ships no types (and @types/on-headers is not its own): the one function it exports.
declare module "on-headers" {
  import type { ServerResponse } from "node:http";

  /** Calls `listener` once, just before `res` writes its status line and headers. */
  function onHeaders<Res extends Pick<ServerResponse, "writeHead">>(
    res: Res,
    listener: (this: Res) => void,
  ): void;
  export default onHeaders;
}
