import { type Metric, verdict } from './scenario.js';

/** Numbers as people read them: thousands separated, at most two decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A plain-text table: metric, value, unit, target, pass/fail, plus notes below it. */
export function renderTable(scenario: string, metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => [
    m.name,
    formatNumber(m.value),
    m.unit,
    m.target ? `${m.target.op} ${formatNumber(m.target.value)}` : '-',
    verdict(m),
  ]);
  const header = ['metric', 'value', 'unit', 'target', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const notes = metrics.filter((m) => m.note).map((m) => `  * ${m.name}: ${m.note}`);
  return [
    `== ${scenario}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
