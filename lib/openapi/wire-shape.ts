/**
 * JSON Schema hints for valibot schemas whose rules are code (a `rawTransform` that normalises a
 * phone number, a timestamp parser), which no converter can read. A hint says what the value
 * looks like on the wire in each direction:
 * - `served`: what GET returns, after normalisation (strict: E.164, UTC milliseconds);
 * - `accepted`: what POST takes, before normalisation (lenient: separators, any zone).
 * `lib/openapi/document.ts` applies them when it converts the schemas; validation ignores them.
 * Kept free of @valibot/to-json-schema so the read and ingest bundles do not carry it.
 */
import * as v from 'valibot';

export const WIRE_SHAPE_KEY = 'x-wire-shape';

export type JsonSchemaFragment = Record<string, unknown>;

export interface WireShapes {
  served: JsonSchemaFragment;
  accepted: JsonSchemaFragment;
}

/** A pipe item that carries the hint; put it last in the schema's pipe. */
export function wireShape<TInput>(shapes: WireShapes) {
  return v.metadata<TInput, { [WIRE_SHAPE_KEY]: WireShapes }>({ [WIRE_SHAPE_KEY]: shapes });
}
