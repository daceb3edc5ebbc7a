/**
 * A real S3-compatible server on loopback (s3rver, in-process), reached by the real
 * @aws-sdk/client-s3. It serves objects through pre-signed URLs but does not check signatures
 * (toolchain notes): it proves the wire path and the object; signatures are checked apart
 * (test/lib/recordings/signature.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { port: number; address: string; silent: boolean; directory: string }) => S3rverInstance;

/** s3rver ships no types: this is the part of its API used here. */
const S3rver = require('s3rver') as S3rverConstructor;

/** s3rver's fixed credentials. */
export const LOOPBACK_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LoopbackS3 {
  /** `http://127.0.0.1:<port>`, for RECORDING_S3_ENDPOINT. */
  endpoint: string;
  /** A client on it (path-style, s3rver's credentials). */
  client: S3Client;
  /** Env for the signer from environment: endpoint, region and credentials. */
  env: Record<string, string>;
  put(bucket: string, key: string, body: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function startLoopbackS3(): Promise<LoopbackS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'loopback-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: LOOPBACK_S3_CREDENTIALS });
  const buckets = new Set<string>();
  return {
    endpoint,
    client,
    env: {
      RECORDING_S3_ENDPOINT: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOOPBACK_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOOPBACK_S3_CREDENTIALS.secretAccessKey,
    },
    async put(bucket, key, body) {
      if (!buckets.has(bucket)) {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        buckets.add(bucket);
      }
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'audio/wav' }));
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
