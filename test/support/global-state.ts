/** Where global-setup.ts keeps the embedded DynamoDB handle for global-teardown.ts (same process). */
import type { EmbeddedDynamo } from '../../local/embedded-dynamodb';

export const EMBEDDED_DYNAMO_KEY = '__cekuraEmbeddedDynamo';
export type GlobalWithDynamo = typeof globalThis & { [EMBEDDED_DYNAMO_KEY]?: EmbeddedDynamo };
