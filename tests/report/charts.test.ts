import { describe, expect, it } from 'vitest';
import { curvePlot } from '../../src/core/report/charts.ts';

/** The tick labels of an SVG chart's axes, as ECharts writes them (one <text> each). */
const labels = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('report curve plots', () => {
  it('spans the x values given: 0-1 for fractions removed, 0-n for regions removed', () => {
    const fractions = curvePlot('f', 'fraction removed', [0, 0.5, 1], [{ name: 'a', values: [1, 0.5, 0] }]);
    expect(labels(fractions)).toContain('1');
    expect(labels(fractions)).not.toContain('2');
    // a record has up to 7 regions: every step must be on the plot, not only the first
    const regions = curvePlot(
      'r',
      'regions removed',
      [0, 1, 2, 3, 4, 5, 6, 7],
      [{ name: 'a', values: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3] }],
    );
    expect(labels(regions)).toContain('7');
  });
});
