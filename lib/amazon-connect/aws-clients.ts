/**
 * The pipeline's ports on the real AWS SDK clients (an adapter, like lib/store): S3 GetObject and
 * Connect DescribeContact. Endpoints are the SDK's defaults unless given (tests: s3rver and a
 * loopback DescribeContact stand-in).
 */
import { ConnectClient, DescribeContactCommand, ResourceNotFoundException } from '@aws-sdk/client-connect';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import type { Json } from '../sources/read';
import type { ConnectAnalysisPorts } from './pipeline';
import type { ConnectInstance } from './settings';

export function s3ObjectReader(client: S3Client): ConnectAnalysisPorts['readObject'] {
  const read = async (bucket: string, key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new Error('S3 returned the object without a body');
    return object.Body.transformToString('utf-8');
  };
  return async (bucket, key) => {
    try {
      return await read(bucket, key);
    } catch (error) {
      // S3 event notifications URL-encode keys ("a b" as "a+b"); should an event carry one, read the key it names.
      if (error instanceof NoSuchKey && /%[0-9A-Fa-f]{2}|\+/.test(key)) return read(bucket, decodeURIComponent(key.replace(/\+/g, ' ')));
      throw error;
    }
  };
}

export function contactDescriber(client: ConnectClient, instance: ConnectInstance): ConnectAnalysisPorts['describeContact'] {
  return async (contactId) => {
    try {
      const { Contact } = await client.send(new DescribeContactCommand({ InstanceId: instance.id, ContactId: contactId }));
      // As JSON, the form any other client would send it in (timestamps as ISO 8601).
      return Contact ? (JSON.parse(JSON.stringify(Contact)) as Json) : undefined;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
}

/** The deployed Lambda's clients: S3 in its own region (the bucket's: EventBridge delivers S3 events in-region), Connect in the instance's. */
export function connectClients(instance: ConnectInstance) {
  return { s3: new S3Client({}), connect: new ConnectClient({ region: instance.region }) };
}
