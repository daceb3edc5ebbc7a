/** The benchmark's one table: rows with their target and PASS/FAIL, printed and written as JSON. */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Status = 'PASS' | 'FAIL' | 'INFO' | 'ERROR';

export interface Row {
  /** Row number of the issue (1-6) and a sub-label. */
  id: string;
  measurement: string;
  result: string;
  floor?: string;
  /** result / floor */
  ratio?: number;
  /** e.g. "<= 2.0x" */
  target?: string;
  status: Status;
  details?: Record<string, unknown>;
}

/** A row with a ratio target: PASS when ratio <= max. */
export function ratioRow(row: Omit<Row, 'status' | 'target'> & { ratio: number }, max: number): Row {
  return { ...row, target: `<= ${max}x`, status: row.ratio <= max ? 'PASS' : 'FAIL' };
}

export function checkRow(row: Omit<Row, 'status'>, pass: boolean): Row {
  return { ...row, status: pass ? 'PASS' : 'FAIL' };
}

export function infoRow(row: Omit<Row, 'status'>): Row {
  return { ...row, status: 'INFO' };
}

export function errorRow(id: string, measurement: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id,
    measurement,
    result: message.split('\n')[0]!.slice(0, 160),
    status: 'ERROR',
    details: { error: error instanceof Error ? error.stack : message },
  };
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['id', '#'],
  ['measurement', 'measurement'],
  ['result', 'result'],
  ['floor', 'floor'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['status', 'status'],
];

function cell(row: Row, key: keyof Row): string {
  const value = row[key];
  if (value === undefined) return '';
  if (key === 'ratio') return `${(value as number).toFixed(2)}x`;
  return String(value);
}

/** A Markdown table (readable in a terminal and pasteable into docs). */
export function formatTable(rows: readonly Row[]): string {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => cell(r, key).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((row) => line(COLUMNS.map(([key]) => cell(row, key)))),
  ].join('\n');
}

export function machine(): Record<string, unknown> {
  const git = (args: string) => {
    try {
      return execSync(`git ${args}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    commit: git('rev-parse --short HEAD'),
    uncommittedChanges: (git('status --porcelain') ?? '') !== '',
  };
}

export function writeResults(file: string, payload: Record<string, unknown>): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}
