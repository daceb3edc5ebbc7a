/**
 * Loopback servers the real AWS SDK clients reach through `endpoint`, for what no emulator covers:
 * - Amazon Connect's DescribeContact (`GET /contacts/{InstanceId}/{ContactId}`, restJson1: the
 *   `{ "Contact": {...} }` body with timestamps as epoch seconds; an unknown contact is a 404 with
 *   `x-amzn-ErrorType: ResourceNotFoundException`), from the contacts it is given;
 * - S3 refusing GetObject as it does when the role may not use the object's KMS key (403
 *   AccessDenied, S3's XML error body): s3rver does not model KMS.
 * Both record what they were asked.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandIn {
  endpoint: string;
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => () => new Promise<void>((resolve) => server.close(() => resolve()));

/** ISO 8601 timestamps of a contact as the wire has them: epoch seconds (with milliseconds as the fraction). */
function onTheWire(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value)) return Date.parse(value) / 1000;
  if (Array.isArray(value)) return value.map(onTheWire);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, onTheWire(v)]));
  return value;
}

/** DescribeContact for `contacts` (by id) of the instance `instanceId`. */
export async function describeContactStandIn(instanceId: string, contacts: Record<string, Record<string, unknown>>): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    request.resume();
    const match = /^\/contacts\/([^/]+)\/([^/?]+)$/.exec(request.url ?? '');
    const contact = match && request.method === 'GET' && decodeURIComponent(match[1]!) === instanceId ? contacts[decodeURIComponent(match[2]!)] : undefined;
    if (!contact) {
      response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException', 'x-amzn-requestid': 'stand-in' });
      response.end(JSON.stringify({ Message: 'Contact not found.' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'stand-in' });
    response.end(JSON.stringify({ Contact: onTheWire(contact) }));
  });
  return { endpoint: await listen(server), requests, close: close(server) };
}

/** S3 answering every request as it does when the caller may not kms:Decrypt the object's key. */
export async function kmsDeniedS3StandIn(keyArn: string): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    request.resume();
    response.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'STANDIN0000000001' });
    response.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
        `<Message>User: arn:aws:sts::123456789012:assumed-role/ConnectAnalysisRole/fn is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no identity-based policy allows the kms:Decrypt action</Message>` +
        '<RequestId>STANDIN0000000001</RequestId><HostId>stand-in</HostId></Error>',
    );
  });
  return { endpoint: await listen(server), requests, close: close(server) };
}
