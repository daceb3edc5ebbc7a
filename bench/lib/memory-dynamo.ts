/**
 * DynamoDB answered from memory, for timing the handlers' own work without a network.
 *
 * Two places to answer from:
 * - `atSend`: the client's `send` answers (the level the issue asks for): the handler's work and the
 *   store's are timed, the SDK's serialisation, signing and parsing are not.
 * - `atHttp`: the SDK's request handler answers (what the SDK hands a signed HTTP request to):
 *   everything the SDK does for a real call runs too; only the socket and the server are gone.
 *
 * Query answers are computed once per distinct request and then served as they are (as bytes at the
 * HTTP level), as a server's answer arrives: computing them is DynamoDB's work, not the handler's.
 * Writes can be discarded unread, so an ingest is timed up to the hand-off.
 *
 * It understands exactly the expressions DynamoCallStore sends and throws on anything else, so a
 * change there makes the benchmark fail loudly instead of measuring something else.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CALLS_TABLE } from '../../lib/store/table-schema';
import { itemBytes } from './item-size';

type Plain = string | number | Uint8Array;
type Item = Record<string, Plain>;
type WireValue = { S?: string; N?: string; B?: string };

const PAGE_BYTES = 1024 * 1024;

export interface MemoryDynamoOptions {
  /** Answer writes without reading them (time only what the caller hands the client). */
  discardWrites?: boolean;
}

interface QueryInput {
  TableName: string;
  IndexName: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, Plain>;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
  ReturnConsumedCapacity?: string;
}

interface QueryOutput {
  Items: Item[];
  Count: number;
  ScannedCount: number;
  LastEvaluatedKey?: Item;
  ConsumedCapacity?: { TableName: string; CapacityUnits: number };
}

export class MemoryDynamo {
  /** Items by table key. */
  readonly items = new Map<string, Item>();
  readonly counts: Record<string, number> = {};
  bytesReceived = 0;
  private readonly sendCache = new Map<string, QueryOutput>();
  private readonly httpCache = new Map<string, Uint8Array>();

  constructor(private readonly options: MemoryDynamoOptions = {}) {}

  /** The client's `send` answers from memory. */
  atSend(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
    const answer = async (command: { constructor: { name: string }; input: unknown }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      this.count(name);
      if (name === 'BatchWrite') {
        if (!this.options.discardWrites) this.put(command.input as BatchWriteInput<Item>);
        return { UnprocessedItems: {} };
      }
      if (name === 'Query') {
        const key = JSON.stringify(command.input);
        let output = this.sendCache.get(key);
        if (!output) {
          output = this.query(command.input as QueryInput);
          this.sendCache.set(key, output);
        }
        return output;
      }
      throw new Error(`MemoryDynamo: ${name} is not supported`);
    };
    (client as unknown as { send: typeof answer }).send = answer;
    return client;
  }

  /** The client's HTTP request handler answers from memory. */
  atHttp(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
    (client.config as { requestHandler: unknown }).requestHandler = {
      handle: (request: { headers: Record<string, string>; body?: unknown }) => this.handleHttp(request),
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => undefined,
    };
    return client;
  }

  private count(operation: string): void {
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
  }

  private async handleHttp(request: { headers: Record<string, string>; body?: unknown }) {
    const operation = (request.headers['x-amz-target'] ?? '').replace('DynamoDB_20120810.', '');
    this.count(operation === 'BatchWriteItem' ? 'BatchWrite' : operation);
    const raw = request.body;
    const bytes = raw instanceof Uint8Array ? raw : Buffer.from(String(raw ?? ''));
    this.bytesReceived += bytes.byteLength;
    const text = () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    let answer: Uint8Array;
    if (operation === 'BatchWriteItem') {
      if (!this.options.discardWrites) this.put(fromWireBatch(JSON.parse(text()) as BatchWriteInput<Record<string, WireValue>>));
      answer = EMPTY_BATCH_ANSWER;
    } else if (operation === 'Query') {
      const body = text();
      let cached = this.httpCache.get(body);
      if (!cached) {
        const input = JSON.parse(body) as QueryInput & { ExpressionAttributeValues?: Record<string, WireValue>; ExclusiveStartKey?: Record<string, WireValue> };
        const output = this.query({
          ...input,
          ExpressionAttributeValues: input.ExpressionAttributeValues && fromWireItem(input.ExpressionAttributeValues),
          ExclusiveStartKey: input.ExclusiveStartKey && fromWireItem(input.ExclusiveStartKey),
        });
        cached = Buffer.from(
          JSON.stringify({ ...output, Items: output.Items.map(toWireItem), LastEvaluatedKey: output.LastEvaluatedKey && toWireItem(output.LastEvaluatedKey) }),
        );
        this.httpCache.set(body, cached);
      }
      answer = cached;
    } else {
      throw new Error(`MemoryDynamo: ${operation} is not supported`);
    }
    // A copy, as bytes read from a socket would be.
    return {
      response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'memory' }, body: new Uint8Array(answer) },
    };
  }

  private put(input: BatchWriteInput<Item>): void {
    this.sendCache.clear();
    this.httpCache.clear();
    for (const requests of Object.values(input.RequestItems)) {
      for (const { PutRequest } of requests) this.items.set(String(PutRequest.Item[CALLS_TABLE.partitionKey]), PutRequest.Item);
    }
  }

  private query(input: QueryInput): QueryOutput {
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const name = (token: string) => (token.startsWith('#') ? names[token] : token) ?? fail(`unknown name ${token}`);
    const value = (token: string) => values[token] ?? fail(`unknown value ${token}`);

    const key =
      /^(\S+) = (:\w+)(?: AND (\S+) BETWEEN (:\w+) AND (:\w+))?$/.exec(input.KeyConditionExpression.trim()) ??
      fail(`key condition ${input.KeyConditionExpression}`);
    const [, pName, pValue, sName, fromValue, toValue] = key;
    const index = Object.values(CALLS_TABLE.indexes).find((i) => i.name === input.IndexName) ?? fail(`index ${input.IndexName}`);
    if (name(pName!) !== index.partitionKey || (sName !== undefined && name(sName) !== index.sortKey)) fail('key condition on other attributes');
    const filter =
      input.FilterExpression === undefined ? undefined : (/^(\S+) > (:\w+)$/.exec(input.FilterExpression.trim()) ?? fail(`filter ${input.FilterExpression}`));
    const projection = input.ProjectionExpression?.split(',').map((p) => name(p.trim()));

    const partition = value(pValue!);
    const from = fromValue === undefined ? undefined : String(value(fromValue));
    const to = toValue === undefined ? undefined : String(value(toValue));
    const sortValue = (item: Item) => String(item[index.sortKey]);
    const matches = [...this.items.values()]
      .filter((item) => item[index.partitionKey] === partition)
      .filter((item) => from === undefined || (sortValue(item) >= from && sortValue(item) <= to!))
      .sort((a, b) => compare(sortValue(a), sortValue(b)) || compare(String(a[CALLS_TABLE.partitionKey]), String(b[CALLS_TABLE.partitionKey])));
    if (input.ScanIndexForward === false) matches.reverse();

    let start = 0;
    if (input.ExclusiveStartKey) {
      const after = input.ExclusiveStartKey[CALLS_TABLE.partitionKey];
      start = matches.findIndex((item) => item[CALLS_TABLE.partitionKey] === after) + 1;
    }
    const out: Item[] = [];
    let evaluated = 0;
    let bytes = 0;
    let last: Item | undefined;
    for (let i = start; i < matches.length; i++) {
      if (input.Limit !== undefined && evaluated >= input.Limit) break;
      if (bytes >= PAGE_BYTES) break;
      const item = matches[i]!;
      evaluated++;
      bytes += itemBytes(item);
      last = item;
      if (filter && !(Number(item[name(filter[1]!)]) > Number(value(filter[2]!)))) continue;
      out.push(projection ? Object.fromEntries(projection.filter((p) => item[p] !== undefined).map((p) => [p, item[p]!])) : item);
    }
    const output: QueryOutput = { Items: out, Count: out.length, ScannedCount: evaluated };
    const more = start + evaluated < matches.length || (input.Limit !== undefined && evaluated >= input.Limit);
    if (more && last) {
      output.LastEvaluatedKey = {
        [CALLS_TABLE.partitionKey]: last[CALLS_TABLE.partitionKey]!,
        [index.partitionKey]: last[index.partitionKey]!,
        [index.sortKey]: last[index.sortKey]!,
      };
    }
    if (input.ReturnConsumedCapacity && input.ReturnConsumedCapacity !== 'NONE') {
      output.ConsumedCapacity = { TableName: input.TableName, CapacityUnits: Math.max(1, Math.ceil(bytes / 4096)) / 2 };
    }
    return output;
  }
}

interface BatchWriteInput<T> {
  RequestItems: Record<string, Array<{ PutRequest: { Item: T } }>>;
}

const EMPTY_BATCH_ANSWER = Buffer.from('{"UnprocessedItems":{}}');

const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function fromWireItem(item: Record<string, WireValue>): Item {
  const out: Item = {};
  for (const [name, av] of Object.entries(item)) {
    if (av.S !== undefined) out[name] = av.S;
    else if (av.N !== undefined) out[name] = Number(av.N);
    else if (av.B !== undefined) out[name] = Buffer.from(av.B, 'base64');
    else fail(`attribute type of ${name}`);
  }
  return out;
}

function toWireItem(item: Item): Record<string, WireValue> {
  const out: Record<string, WireValue> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'string') out[name] = { S: value };
    else if (typeof value === 'number') out[name] = { N: String(value) };
    else out[name] = { B: Buffer.from(value).toString('base64') };
  }
  return out;
}

function fromWireBatch(input: BatchWriteInput<Record<string, WireValue>>): BatchWriteInput<Item> {
  return {
    RequestItems: Object.fromEntries(
      Object.entries(input.RequestItems).map(([table, requests]) => [
        table,
        requests.map(({ PutRequest }) => ({ PutRequest: { Item: fromWireItem(PutRequest.Item) } })),
      ]),
    ),
  };
}

function fail(what: string): never {
  throw new Error(`MemoryDynamo: unsupported ${what}`);
}
