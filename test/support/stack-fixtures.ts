import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceName } from '../../lib/sources';

export const STACKS = [
  'livekit',
  'openai-chat',
  'openai-realtime',
  'ultravox',
  'pipecat',
  'gemini-live',
  'twilio-conversation-relay',
  'deepgram-voice-agent',
  'nova-sonic',
] as const satisfies readonly SourceName[];
export type Stack = (typeof STACKS)[number];

/**
 * Every envelope (an object with a transcript, and an id unless the export names its call) the fixture modules of each stack export,
 * named `<stack>/<file>: <export>`, for tests that run over all of them.
 */
export function stackFixtures(stacks: readonly Stack[] = STACKS): Array<[name: string, source: Stack, envelope: Record<string, unknown>]> {
  return stacks.flatMap((stack) => {
    const dir = join(__dirname, '..', 'fixtures', 'sources', 'stacks', stack);
    return readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        Object.entries(require(join(dir, file)) as Record<string, unknown>)
          .filter(([, value]) => typeof value === 'object' && value !== null && 'transcript' in value)
          .map(([name, value]): [string, Stack, Record<string, unknown>] => [`${stack}/${file}: ${name}`, stack, value as Record<string, unknown>]),
      );
  });
}
