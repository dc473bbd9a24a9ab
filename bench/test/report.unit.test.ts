import { describe, expect, it } from 'vitest';
import { formatNumber, renderTable } from '../src/report.js';
import { verdict } from '../src/scenario.js';
import { percentile } from '../src/support/stats.js';

describe('verdict', () => {
  it('passes a throughput at or above its target and fails one below', () => {
    expect(verdict({ name: 'x', value: 5_000, unit: 'events/s', target: { op: '>=', value: 5_000 } })).toBe('pass');
    expect(verdict({ name: 'x', value: 4_999, unit: 'events/s', target: { op: '>=', value: 5_000 } })).toBe('fail');
  });

  it('passes a latency at or below its target and fails one above', () => {
    expect(verdict({ name: 'x', value: 20, unit: 'ms', target: { op: '<=', value: 20 } })).toBe('pass');
    expect(verdict({ name: 'x', value: 20.5, unit: 'ms', target: { op: '<=', value: 20 } })).toBe('fail');
  });

  it('reports a metric without a target as information', () => {
    expect(verdict({ name: 'x', value: 1, unit: 'ms' })).toBe('info');
  });
});

describe('renderTable', () => {
  it('lines up metric, value, unit, target and result, with notes below', () => {
    const table = renderTable('demo', [
      { name: 'append', value: 6_123.4, unit: 'events/s', target: { op: '>=', value: 5_000 }, note: 'ahead' },
      { name: 'p99', value: 3.456, unit: 'ms' },
    ]);
    expect(table.split('\n')).toEqual([
      '== demo',
      'metric  value  unit      target    result',
      '------  -----  --------  --------  ------',
      'append  6,123  events/s  >= 5,000  pass',
      'p99      3.46  ms        -         info',
      '',
      '  * append: ahead',
    ]);
  });
});

describe('formatNumber and percentile', () => {
  it('formats by magnitude', () => {
    expect(formatNumber(123_456.7)).toBe('123,457');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
  });

  it('takes the nearest-rank percentile', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile([], 99)).toBeNaN();
  });
});
