/**
 * Reads at most a given number of bytes of an HTTP answer's body, streaming, and stops there: the
 * rest is not downloaded (the body is cancelled, which closes the connection). An answer from Cekura
 * (a runs page, the webhook's reply) is not trusted to be small: a 200 MB runs answer, read whole,
 * took local mode from 86 MB to 1.4 GB.
 */

export interface CappedText {
  /** The body's text, or its first `maxBytes` bytes' worth when it is longer. */
  text: string;
  /** false: the body is longer than `maxBytes` and was cut there. */
  complete: boolean;
}

export async function readCappedText(response: Response, maxBytes: number): Promise<CappedText> {
  const body = response.body;
  if (body === null) return { text: '', complete: true };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), complete: true };
      const room = maxBytes - bytes;
      bytes += value.byteLength;
      if (value.byteLength > room) {
        text += decoder.decode(value.subarray(0, room));
        await reader.cancel().catch(() => undefined);
        return { text, complete: false };
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}
