/** Timing helpers: medians of samples taken side by side, so a noisy machine moves both alike. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export type Task = () => unknown;

/**
 * Runs every task once per round, in an order that rotates each round (so none always runs first,
 * right after another's garbage), and returns each task's samples in ms per call. Each sample times
 * `batch` consecutive calls; async tasks are awaited.
 */
export async function interleaved(
  tasks: Record<string, Task>,
  options: { rounds: number; warmup?: number; batch?: number },
): Promise<Record<string, number[]>> {
  const names = Object.keys(tasks);
  const batch = options.batch ?? 1;
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let w = 0; w < (options.warmup ?? 0); w++) for (const name of names) await tasks[name]!();
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const task = tasks[name]!;
      const start = nowMs();
      for (let i = 0; i < batch; i++) {
        const result = task();
        if (result instanceof Promise) await result;
      }
      samples[name]!.push((nowMs() - start) / batch);
    }
  }
  return samples;
}

export function fmtMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

export const ratio = (value: number, floor: number): number => Math.round((value / floor) * 100) / 100;
