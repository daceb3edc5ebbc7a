import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RecordingSettings } from '../settings';

/**
 * What a Lambda that signs recording links may do: read exactly the listed prefixes' objects (a
 * pre-signed URL carries the signer's permissions, so Cekura can fetch nothing else with it), and
 * decrypt with a listed KMS key only when S3 asks on its behalf (SSE-KMS objects). No ListBucket:
 * nothing is listed, a link names one object.
 */
export function recordingReadStatements(recordings: RecordingSettings): iam.PolicyStatement[] {
  if (recordings.buckets.length === 0) return [];
  return [
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: recordings.buckets.map(({ bucket, prefix }) => `arn:${Aws.PARTITION}:s3:::${bucket}/${prefix}*`),
    }),
    ...(recordings.kmsKeyArns.length === 0
      ? []
      : [
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: recordings.kmsKeyArns,
            conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
          }),
        ]),
  ];
}
