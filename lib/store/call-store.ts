import type { CallRecord } from '../ingest';

export interface CallQuery {
  /** E.164 customer number, or undefined for every call in the window. */
  number: string | undefined;
  /** Inclusive bounds on startedAt (ISO 8601 UTC, millisecond precision). */
  from: string;
  to: string;
  /** At most this many calls. */
  limit: number;
  /**
   * At most this many response bytes (sum of `CallRecord.responseBytes`, plus separators).
   * The first call is always returned, so a page is never empty while calls remain.
   */
  maxBytes: number;
  /** Continue after this position (a `next` from an earlier page). */
  after: string | undefined;
  /** Epoch seconds: calls that expired by then are never returned. */
  now: number;
}

export interface CallPage {
  /** Each call's JSON exactly as stored, newest startedAt first; never the same id twice. */
  calls: string[];
  /** Opaque position to continue from when more calls match; undefined when this was the last page. */
  next: string | undefined;
}

/** Storage of calls. The domain and handlers see only this. */
export interface CallStore {
  /**
   * Stores or replaces calls by id, whatever format they came in. Either every call is stored or the promise rejects:
   * a `CallTooLargeError` before anything is written, or a `StoreUnavailableError` when the store
   * would not accept all of them in time (some may then be stored; re-sending is safe).
   */
  putCalls(records: readonly CallRecord[]): Promise<void>;
  queryCalls(query: CallQuery): Promise<CallPage>;
}

export interface EraseOptions {
  /**
   * Asked before each request: true stops the erasure there (an `ErasureIncompleteError`), so a
   * Lambda can still answer with what was deleted before its time runs out.
   */
  shouldStop?: () => boolean;
}

export interface EraseResult {
  /** Calls (ids) of which at least one stored item was deleted by this erasure. */
  deleted: number;
}

/**
 * Deleting calls, kept apart from CallStore: only the erase Lambda gets it (its role may Query one
 * index and DeleteItem, nothing else), and what only reads or stores does not have to know it.
 * Both operations are safe to repeat: deleting what is gone counts 0.
 */
export interface CallEraser {
  /** The call with this id: its item, and any item written for it before one item per id (`<source>#<id>`). */
  eraseCall(id: string, options?: EraseOptions): Promise<EraseResult>;
  /**
   * Every call filed under this customer number, whenever it started (expired ones not yet removed by
   * TTL included): pages through the byNumber index, never a Scan.
   */
  eraseNumber(number: string, options?: EraseOptions): Promise<EraseResult>;
}

/** An erasure that stopped before the end (the store failed, or `shouldStop`): `deleted` were deleted, repeating it deletes the rest. */
export class ErasureIncompleteError extends Error {
  constructor(
    readonly deleted: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ErasureIncompleteError';
  }
}

export class CallTooLargeError extends Error {
  constructor(
    readonly ids: readonly string[],
    readonly limitBytes: number,
  ) {
    super(`calls too large to store even compressed: ${ids.join(', ')}`);
    this.name = 'CallTooLargeError';
  }
}

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A write that stopped part way: what is known to be stored, known not to be, and what cannot be
 * known (a request that timed out may still have been applied). Re-sending them all is safe.
 */
export class PartialWriteError extends StoreUnavailableError {
  constructor(
    readonly stored: readonly string[],
    readonly notStored: readonly string[],
    readonly unknown: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`write stopped part way: ${stored.length} stored, ${notStored.length} not stored, ${unknown.length} unknown`, options);
    this.name = 'PartialWriteError';
  }
}

/** The store's position was not one it issued (or belongs to another query). */
export class InvalidPositionError extends Error {
  constructor() {
    super('invalid store position');
    this.name = 'InvalidPositionError';
  }
}
