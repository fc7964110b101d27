/**
 * Multiple-comparison corrections over a family of p values (measurement.md §3.6).
 * Holm's step-down procedure controls the family-wise error rate and is what the gate
 * fails on; Benjamini–Hochberg's step-up procedure controls the false discovery rate and
 * only highlights. Every function returns values in the caller's order.
 */

function checkP(pValues: readonly number[]): void {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p value ${p} outside [0, 1]`);
  }
}

/** Indices of `pValues` sorted by ascending p (stable, so ties keep their order). */
function ascending(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((a, b) => (pValues[a] as number) - (pValues[b] as number) || a - b);
}

/** Holm: reject the i-th smallest p (1-based) while p(i) ≤ α/(m − i + 1); stop at the first that is not. */
export function holmReject(pValues: readonly number[], alpha: number): boolean[] {
  checkP(pValues);
  const m = pValues.length;
  const out = new Array<boolean>(m).fill(false);
  const order = ascending(pValues);
  for (let i = 0; i < m; i++) {
    const at = order[i] as number;
    if ((pValues[at] as number) > alpha / (m - i)) break;
    out[at] = true;
  }
  return out;
}

/** Holm-adjusted p: max over j ≤ i of min(1, (m − j + 1)·p(j)); reject where adjusted ≤ α. */
export function holmAdjust(pValues: readonly number[]): number[] {
  checkP(pValues);
  const m = pValues.length;
  const out = new Array<number>(m).fill(1);
  const order = ascending(pValues);
  let running = 0;
  for (let i = 0; i < m; i++) {
    const at = order[i] as number;
    running = Math.max(running, Math.min(1, (m - i) * (pValues[at] as number)));
    out[at] = running;
  }
  return out;
}

/** Benjamini–Hochberg: with k the largest rank where p(k) ≤ k·α/m, reject the k smallest. */
export function bhReject(pValues: readonly number[], alpha: number): boolean[] {
  checkP(pValues);
  const m = pValues.length;
  const out = new Array<boolean>(m).fill(false);
  const order = ascending(pValues);
  let k = 0;
  for (let i = m; i >= 1; i--) {
    if ((pValues[order[i - 1] as number] as number) <= (i * alpha) / m) {
      k = i;
      break;
    }
  }
  for (let i = 0; i < k; i++) out[order[i] as number] = true;
  return out;
}

/** BH-adjusted p (q values): min over j ≥ i of min(1, m·p(j)/j); reject where adjusted ≤ α. */
export function bhAdjust(pValues: readonly number[]): number[] {
  checkP(pValues);
  const m = pValues.length;
  const out = new Array<number>(m).fill(1);
  const order = ascending(pValues);
  let running = 1;
  for (let i = m; i >= 1; i--) {
    const at = order[i - 1] as number;
    running = Math.min(running, Math.min(1, (m * (pValues[at] as number)) / i));
    out[at] = running;
  }
  return out;
}
