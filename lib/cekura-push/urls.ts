/** Where the Cekura API key may be sent: https, or plain http to this machine only (a stand-in). */
export function isAllowedCekuraUrl(url: string): boolean {
  return /^https:\/\/[^/]/.test(url) || isLoopbackHttp(url);
}

/** Plain http only to this machine: a local stand-in for Cekura (tests, local mode), never the network. */
export function isLoopbackHttp(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]');
  } catch {
    return false;
  }
}
