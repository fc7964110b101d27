/**
 * `PngRenderer` on chartjs-node-canvas 5 (measurement.md §7.1): one renderer per size, reused
 * (one per chart leaks memory and loses JIT); white background; DejaVu Sans registered when
 * the system has it. chartjs-node-canvas loads its own fresh chart.js per instance, so the
 * boxplot plugin is required afresh inside `chartCallback` and registered on that instance.
 * Loaded lazily by callers (the `canvas` native module is needed only for PNGs).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartConfiguration } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartSpec } from '../charts/spec.js';
import type { PngRenderer, PngSize } from './renderer.js';

const require = createRequire(import.meta.url);

/** Debian fonts-dejavu-core (scripts/setup.sh installs it). */
export const SYSTEM_DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const FAMILY = 'DejaVu Sans';
const BOXPLOT = '@sgratzl/chartjs-chart-boxplot';

interface BoxplotExports {
  readonly BoxPlotController: unknown;
  readonly ViolinController: unknown;
  readonly BoxAndWiskers: unknown;
  readonly Violin: unknown;
}

interface ChartRegistry {
  register(...items: unknown[]): void;
  defaults: { font: { family: string; size: number }; color: string };
}

function registerPlugins(chart: ChartRegistry, fontFamily: string | undefined): void {
  // Fresh copy, so its classes extend this instance's chart.js (a cached copy extends another one's).
  const id = require.resolve(BOXPLOT);
  delete require.cache[id];
  const plugin = require(id) as BoxplotExports;
  chart.register(plugin.BoxPlotController, plugin.ViolinController, plugin.BoxAndWiskers, plugin.Violin);
  if (fontFamily !== undefined) chart.defaults.font.family = fontFamily;
  chart.defaults.font.size = 13;
  chart.defaults.color = '#333';
}

export interface ChartjsRendererOptions {
  /** A TrueType font to register (default: the system DejaVu Sans when present). */
  readonly fontFile?: string;
}

export class ChartjsNodeCanvasRenderer implements PngRenderer {
  private readonly bySize = new Map<string, ChartJSNodeCanvas>();
  private readonly fontFile: string | undefined;

  constructor(options: ChartjsRendererOptions = {}) {
    this.fontFile = options.fontFile ?? (existsSync(SYSTEM_DEJAVU) ? SYSTEM_DEJAVU : undefined);
  }

  private canvasFor(size: PngSize): ChartJSNodeCanvas {
    const key = `${size.width}x${size.height}`;
    let canvas = this.bySize.get(key);
    if (canvas === undefined) {
      const family = this.fontFile === undefined ? undefined : FAMILY;
      canvas = new ChartJSNodeCanvas({
        width: size.width,
        height: size.height,
        backgroundColour: 'white',
        chartCallback: (chart) => registerPlugins(chart as unknown as ChartRegistry, family),
      });
      if (this.fontFile !== undefined) canvas.registerFont(this.fontFile, { family: FAMILY });
      this.bySize.set(key, canvas);
    }
    return canvas;
  }

  async render(chart: ChartSpec, size: PngSize): Promise<Buffer> {
    // chart.js mutates the configuration it is given: render a copy.
    const config = structuredClone(chart.config) as unknown as ChartConfiguration;
    return this.canvasFor(size).renderToBuffer(config, 'image/png');
  }
}
