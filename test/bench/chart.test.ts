import { describe, expect, it } from "vitest";
import { renderChart } from "../../bench/lib/chart.js";

/** The polyline of each series, as [x, y] pairs in SVG coordinates. */
function lines(svg: string): number[][][] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map(([, points]) =>
    (points ?? "").split(" ").map((pair) => pair.split(",").map(Number)),
  );
}

describe("bench charts (bench/lib/chart.ts)", () => {
  const chart = {
    file: "t",
    title: "a <b> & c",
    xLabel: "keys",
    yLabel: "ops",
    series: [
      {
        name: "isr-plug",
        points: [
          { x: 1_000_000, y: 1 },
          { x: 1, y: 4 },
          { x: 1000, y: 2 },
        ],
      },
      {
        name: "lru-cache",
        dashed: true,
        points: [
          { x: 1, y: 3 },
          { x: 1000, y: Number.NaN },
        ],
      },
    ],
  };

  it("draws one line per series, its points in x order on a log axis, higher values higher up", () => {
    const svg = renderChart(chart);
    const [isr, lru] = lines(svg);
    expect(isr?.map(([x]) => x)).toEqual(
      [...(isr?.map(([x]) => x) ?? [])].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
    // 1 → 1000 → 1,000,000 are equal steps on a log axis.
    const [a, b, c] = (isr ?? []).map(([x]) => x ?? 0);
    expect((b ?? 0) - (a ?? 0)).toBeCloseTo((c ?? 0) - (b ?? 0), 0);
    // SVG y grows downwards: 4 ops sits above 2, which sits above 1.
    const ys = (isr ?? []).map(([, y]) => y ?? 0);
    expect(ys[0]).toBeLessThan(ys[1] ?? 0);
    expect(ys[1]).toBeLessThan(ys[2] ?? 0);
    // A measurement that failed (NaN) is left out rather than drawn at zero.
    expect(lru).toHaveLength(1);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain("a &lt;b&gt; &amp; c");
  });

  it("puts values a thousand times apart three decades apart on a log y axis", () => {
    const svg = renderChart({
      ...chart,
      yLog: true,
      series: [
        {
          name: "isr-plug",
          points: [
            { x: 100, y: 0.1 },
            { x: 1000, y: 1 },
            { x: 10_000, y: 100 },
          ],
        },
      ],
    });
    const ys = (lines(svg)[0] ?? []).map(([, y]) => y ?? 0);
    expect((ys[0] ?? 0) - (ys[1] ?? 0)).toBeCloseTo(((ys[1] ?? 0) - (ys[2] ?? 0)) / 2, 0);
    expect(svg).toContain("(log scale)</text>");
  });
});
