/** A deliberately slow "database" of per-tenant settings, so misses are visible (~200 ms). */
export interface TenantSettings {
  tenant: string;
  theme: "dark" | "light";
  featureXEnabled: boolean;
  /** Bumps on every fetch, so a refresh is visible on the page. */
  version: number;
  fetchedAt: string;
}

export function createSettingsSource(latencyMs = 200) {
  const versions = new Map<string, number>();
  let fetches = 0;
  return {
    get fetches() {
      return fetches;
    },
    async load(tenant: string, signal?: AbortSignal): Promise<TenantSettings> {
      fetches += 1;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, latencyMs);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
      const version = (versions.get(tenant) ?? 0) + 1;
      versions.set(tenant, version);
      return {
        tenant,
        theme: tenant.length % 2 === 0 ? "dark" : "light",
        featureXEnabled: version % 2 === 1,
        version,
        fetchedAt: new Date().toISOString(),
      };
    },
  };
}
