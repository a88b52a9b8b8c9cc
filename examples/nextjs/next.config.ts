import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // This folder is the app's root, though the isr-plug repository around it has a lockfile too.
  turbopack: { root: import.meta.dirname },
};

export default nextConfig;
