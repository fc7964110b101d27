/**
 * The scripts inlined in the report: chart.js's UMD bundle and the boxplot/violin plugin's
 * UMD bundle (which registers itself on the global `Chart`). chart.js exports only `.`,
 * `./auto` and `./helpers`, so the bundle is found beside the resolved main file
 * (measurement.md §7.3). Source-map comments are dropped: the file must never ask for one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ChartAssets {
  readonly chartJs: string;
  readonly boxplot: string;
}

const require = createRequire(import.meta.url);

function besideMain(pkg: string, file: string): string {
  return readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8');
}

function withoutSourceMap(source: string): string {
  return source.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/u, '\n');
}

let cached: ChartAssets | undefined;

export function chartAssets(): ChartAssets {
  cached ??= {
    chartJs: withoutSourceMap(besideMain('chart.js', 'chart.umd.min.js')),
    boxplot: withoutSourceMap(besideMain('@sgratzl/chartjs-chart-boxplot', 'index.umd.min.js')),
  };
  return cached;
}
