// Serves the Web-standard route handler on Node, standing in for Next.js, Bun or Deno.
// Run: npx tsx examples/web/server.ts, then: curl -i -H 'Host: acme.localhost' http://127.0.0.1:3000/
import { serve } from "@hono/node-server";
import { GET } from "./route.js";

serve(
  { fetch: (request) => GET(request), port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" },
  ({ port }) => {
    console.log(`web example on http://127.0.0.1:${port}/`);
  },
);
