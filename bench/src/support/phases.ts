/**
 * `BENCH_PHASES=put,lag`: run only some phases of a scenario (to profile one, or to repeat it quickly).
 * Unset or empty: every phase, in the scenario's order.
 */
export function selectedPhases<P extends string>(text: string | undefined, all: readonly P[]): P[] {
  const wanted = (text ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (wanted.length === 0) return [...all];
  const unknown = wanted.filter((name) => !(all as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown phase(s) ${unknown.join(', ')}; phases: ${all.join(', ')}`);
  return all.filter((phase) => wanted.includes(phase));
}
