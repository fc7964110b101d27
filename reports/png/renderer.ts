/**
 * Server-side PNGs of the key charts, for markdown summaries and pull-request comments
 * (measurement.md §7.3). Rendering sits behind `PngRenderer` so another canvas (the
 * @napi-rs/canvas shim of measurement.md §1.2) can be swapped in; the HTML report never needs them.
 */
import type { ChartSpec } from '../charts/spec.js';
import type { ReportModel, RunStamp } from '../model.js';
import { addTextChunks } from './text-chunks.js';

export interface PngSize {
  readonly width: number;
  readonly height: number;
}

export interface PngRenderer {
  /** A PNG of `chart` at `size`, on a white background. */
  render(chart: ChartSpec, size: PngSize): Promise<Buffer>;
}

export const PNG_SIZE: PngSize = { width: 960, height: 480 };

export interface RenderedPng {
  readonly chart: ChartSpec;
  /** File name: `<chart id>.png`. */
  readonly file: string;
  readonly png: Buffer;
}

/** The text chunks every PNG carries. */
export function pngText(stamp: RunStamp, chart: ChartSpec): Record<string, string> {
  return {
    Title: chart.title,
    Software: 'ringside report',
    'ringside.run': stamp.runId,
    'ringside.commit': stamp.commit,
    'ringside.profile': stamp.profile,
    'ringside.engine': stamp.engine,
    'ringside.seed': stamp.seed,
  };
}

/** Render the model's key charts (in page order), each stamped with the run's identity. */
export async function renderKeyPngs(
  model: ReportModel,
  renderer: PngRenderer,
  size: PngSize = PNG_SIZE,
): Promise<RenderedPng[]> {
  const out: RenderedPng[] = [];
  for (const chart of model.charts) {
    if (!chart.key) continue;
    const png = await renderer.render(chart, size);
    out.push({ chart, file: `${chart.id}.png`, png: addTextChunks(png, pngText(model.stamp, chart)) });
  }
  return out;
}
