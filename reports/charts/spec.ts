/**
 * A chart as plain JSON: the chart.js configuration (no callbacks, so the same object renders
 * in the page and in chartjs-node-canvas) plus the table of numbers behind it. Axes carry
 * their unit in the title and are pre-scaled (formatter callbacks cannot cross into the page
 * under a hash-only CSP without shipping code per chart).
 */
import type { Table } from '../table.js';

export type ChartKind = 'line' | 'bar' | 'scatter' | 'violin' | 'boxplot';

export type DataPoint = number | null | { readonly x: number; readonly y: number } | readonly number[];

export interface DatasetJson {
  readonly label: string;
  readonly data: readonly DataPoint[];
  readonly type?: 'bar' | 'line' | 'scatter';
  readonly backgroundColor?: string | readonly string[];
  readonly borderColor?: string;
  readonly borderWidth?: number;
  readonly yAxisID?: string;
  readonly stack?: string;
  readonly showLine?: boolean;
  readonly spanGaps?: boolean;
  readonly pointStyle?: string;
  readonly pointRadius?: number;
  readonly order?: number;
  readonly itemRadius?: number;
}

export interface ChartConfigJson {
  readonly type: ChartKind;
  readonly data: { readonly labels?: readonly (string | number)[]; readonly datasets: readonly DatasetJson[] };
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ChartSpec {
  /** DOM id of the canvas and stem of the PNG file: `[a-z0-9-]+`. */
  readonly id: string;
  readonly title: string;
  /** What is plotted and what was held fixed. */
  readonly caption: string;
  /** Rendered to PNG for markdown and pull requests. */
  readonly key: boolean;
  readonly config: ChartConfigJson;
  readonly table: Table;
}

/** Colour-blind-safe (Okabe–Ito) colours, one per model in DESIGN §1 order, then spares. */
const MODEL_COLOURS: Readonly<Record<string, string>> = {
  emulated: '#D55E00',
  virtio: '#0072B2',
  xen: '#CC79A7',
  p9: '#009E73',
  vbus: '#E69F00',
};
const SPARE_COLOURS = ['#56B4E9', '#F0E442', '#000000', '#999999'] as const;

export function modelColour(model: string, index = 0): string {
  return MODEL_COLOURS[model] ?? SPARE_COLOURS[index % SPARE_COLOURS.length] ?? '#999999';
}

/** `emulated (copy=copy)`: a model's series label, naming settings moved off the reference slice. */
export function seriesLabel(model: string, moved: readonly string[]): string {
  return moved.length === 0 ? model : `${model} (${moved.join(', ')})`;
}

/** Colours of the stacked crossing kinds (exits, hypercalls, notifications, interrupts) and bytes copied. */
export const EVENT_COLOURS = ['#D55E00', '#CC79A7', '#0072B2', '#009E73', '#999999'] as const;

export const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'cross', 'line'] as const;

/** `rgba` of a `#rrggbb` colour, for fills. */
export function translucent(hex: string, alpha = 0.55): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export interface AxisOptions {
  readonly title: string;
  readonly log?: boolean;
  readonly position?: 'left' | 'right' | 'bottom';
  readonly stacked?: boolean;
  readonly linear?: boolean;
  readonly grid?: boolean;
}

export function axis(options: AxisOptions): Record<string, unknown> {
  return {
    type: options.log === true ? 'logarithmic' : options.linear === true ? 'linear' : undefined,
    position: options.position,
    stacked: options.stacked,
    beginAtZero: options.log === true ? undefined : true,
    title: { display: true, text: options.title },
    grid: options.grid === false ? { drawOnChartArea: false } : undefined,
  };
}

/** Shared options: title inside the chart (PNGs stand alone), legend below, no animation. */
export function baseOptions(title: string, scales: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    animation: false,
    maintainAspectRatio: false,
    plugins: {
      title: { display: true, text: title, font: { size: 14 } },
      legend: { position: 'bottom' },
    },
    scales,
  };
}

/** Drop `undefined` members so the configuration is plain JSON and stable to compare. */
export function pruneUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `Block · randread` → `block-randread`. */
export function slug(...parts: readonly string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
