/**
 * PNGs of the key charts (measurement.md §7.1, §7.3): they decode, are not blank, sit on a
 * white background and carry the run's identity in tEXt chunks with valid CRCs.
 */
import { createCanvas, loadImage } from 'canvas';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../reports/build.js';
import { ChartjsNodeCanvasRenderer } from '../../../reports/png/chartjs-node-canvas.js';
import { type PngRenderer, type PngSize, renderKeyPngs } from '../../../reports/png/renderer.js';
import { addTextChunks, isPng, readChunks, readTextChunks } from '../../../reports/png/text-chunks.js';
import { fixtureDoc, fixtureRun, sweep } from './fixtures.js';

interface Pixels {
  readonly width: number;
  readonly height: number;
  /** Pixels that are not (near) white. */
  readonly inked: number;
  readonly corner: readonly number[];
}

async function pixels(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if ((data[i] ?? 255) < 235 || (data[i + 1] ?? 255) < 235 || (data[i + 2] ?? 255) < 235) inked++;
  }
  return { width: image.width, height: image.height, inked, corner: [...data.subarray(0, 4)] };
}

const doc = fixtureDoc([
  ...sweep('virtio'),
  ...sweep('emulated', 0.2),
  fixtureRun({ iodepth: 16, coalesce: 'count:8' }),
]);
const model = buildReport({ results: doc, resultsName: 'fixture.json' });

describe('PNG text chunks (PNG 1.2 §4.2.3.1)', () => {
  it('inserts tEXt chunks after IHDR with valid CRCs and reads them back', () => {
    const canvas = createCanvas(4, 3);
    const plain = canvas.toBuffer('image/png');
    const stamped = addTextChunks(plain, { 'ringside.commit': 'abc123', Title: 'latency — p99' });
    expect(isPng(stamped)).toBe(true);
    const chunks = readChunks(stamped);
    expect(chunks.map((c) => c.type).slice(0, 3)).toEqual(['IHDR', 'tEXt', 'tEXt']);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks.at(-1)?.type).toBe('IEND');
    expect(readTextChunks(stamped)).toEqual({ 'ringside.commit': 'abc123', Title: 'latency ? p99' });
    expect(() => addTextChunks(Buffer.from('not a png, not at all, no'), {})).toThrow(/not a PNG/);
    expect(() => addTextChunks(plain, { '': 'x' })).toThrow(/keyword/);
  });
});

describe('key charts rendered with chartjs-node-canvas', () => {
  it('renders every key chart as a non-blank PNG on white, stamped with run, commit and profile', async () => {
    const renderer = new ChartjsNodeCanvasRenderer();
    const size: PngSize = { width: 640, height: 320 };
    const pngs = await renderKeyPngs(model, renderer, size);
    const keys = model.charts.filter((c) => c.key).map((c) => c.id);
    expect(pngs.map((p) => p.chart.id)).toEqual(keys);
    expect(keys).toContain('block-randread-depth');
    expect(keys).toContain('block-randread-coalescing');
    for (const p of pngs) {
      expect(p.file).toBe(`${p.chart.id}.png`);
      const px = await pixels(p.png);
      expect([px.width, px.height], p.file).toEqual([640, 320]);
      expect(px.corner, p.file).toEqual([255, 255, 255, 255]);
      // Axes, labels and data: well over 1% of the image is drawn.
      expect(px.inked / (px.width * px.height), p.file).toBeGreaterThan(0.01);
      const text = readTextChunks(p.png);
      expect(text['ringside.commit'], p.file).toBe(doc.env.commit);
      expect(text['ringside.profile'], p.file).toBe('modern-2020s');
      expect(text['ringside.run'], p.file).toBe(doc.env.createdAt);
      expect(text.Title, p.file).toBe(p.chart.title);
    }
  });

  it('renders a violin chart (the boxplot plugin registered on the renderer’s chart.js)', async () => {
    const withRepeats = fixtureDoc([fixtureRun({ repeats: [100, 120, 90, 110] }), fixtureRun({ iodepth: 4 })]);
    const violin = buildReport({ results: withRepeats, resultsName: 'r.json' }).charts.find(
      (c) => c.config.type === 'violin',
    );
    expect(violin).toBeDefined();
    if (violin === undefined) return;
    const png = await new ChartjsNodeCanvasRenderer().render(violin, { width: 500, height: 300 });
    expect((await pixels(png)).inked).toBeGreaterThan(500 * 300 * 0.01);
  });

  it('goes through the PngRenderer interface, so another canvas can be swapped in', async () => {
    const seen: string[] = [];
    const blank = createCanvas(8, 8).toBuffer('image/png');
    const fake: PngRenderer = {
      render: async (chart, size) => {
        seen.push(`${chart.id}@${size.width}x${size.height}`);
        return blank;
      },
    };
    const pngs = await renderKeyPngs(model, fake, { width: 8, height: 8 });
    expect(seen).toEqual(model.charts.filter((c) => c.key).map((c) => `${c.id}@8x8`));
    expect(readTextChunks(pngs[0]?.png ?? blank)['ringside.seed']).toBe('1');
  });
});
