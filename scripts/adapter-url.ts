/** The adapter's `/calls` URL from what a user passes as `--url`: the base URL, or the `/calls` URL itself, with or without trailing slashes. */
export function callsUrl(url: string): URL {
  return new URL(`${url.replace(/\/+$/, '').replace(/\/calls$/, '')}/calls`);
}
