/** Which S3 keys are voice analysis files of which contact and twin, and the Lambda's settings from its environment. */
import { analysisObjectOf } from '../../../lib/amazon-connect/analysis-object';
import { CONNECT_ENV, connectSettingsFromEnv, parseAmazonConnectSettings } from '../../../lib/amazon-connect/settings';

const ID = '7c3a9f2e-41d6-4b8a-9e25-0d1f6a83c4b7';
const ARN = 'arn:aws:connect:eu-west-2:123456789012:instance/a1b2c3d4-5678-90ab-cdef-111122223333';

describe('analysisObjectOf', () => {
  it.each([
    [`Analysis/Voice/2025/11/04/${ID}_analysis_2025-11-04T14:02:43Z.json`, { contactId: ID, redacted: false }],
    [`Analysis/Voice/2021/09/09/${ID}_analysis_2021-09-09T18_13_13Z.json`, { contactId: ID, redacted: false }],
    [`Analysis/Voice/Redacted/2025/11/04/${ID}_analysis_redacted_2025-11-04T14:02:43Z.json`, { contactId: ID, redacted: true }],
  ])('%s names its contact and twin', (key, expected) => {
    expect(analysisObjectOf(key)).toEqual(expected);
  });

  it.each([
    `Analysis/Voice/Redacted/2025/11/04/${ID}_call_recording_redacted_2025-11-04T14:02:43Z.wav`,
    `Analysis/Chat/2025/11/04/${ID}_analysis_2025-11-04T14:02:43Z.json`,
    `Analysis/Voice/Redacted/2025/11/04/${ID}_analysis_2025-11-04T14:02:43Z.json`,
    `Analysis/Voice/2025/11/04/${ID}_analysis_redacted_2025-11-04T14:02:43Z.json`,
    `connect/bayview/CallRecordings/2025/11/04/${ID}_20251104T14:02_UTC.wav`,
  ])('%s is not a voice analysis file', (key) => {
    expect(analysisObjectOf(key)).toBeUndefined();
  });
});

describe('settings', () => {
  it('parses the context as an object or its JSON text, redacted by default', () => {
    const expected = { instanceArn: ARN, bucket: 'amazon-connect-abc', redacted: true, kmsKeyArn: undefined };
    expect(parseAmazonConnectSettings({ instanceArn: ARN, bucket: 'amazon-connect-abc' })).toEqual(expected);
    expect(parseAmazonConnectSettings(JSON.stringify({ instanceArn: ARN, bucket: 'amazon-connect-abc' }))).toEqual(expected);
    expect(parseAmazonConnectSettings(undefined)).toBeUndefined();
  });

  it("reads the Lambda's environment: the instance (its region for Connect) and the twin", () => {
    const env = { [CONNECT_ENV.instanceArn]: ARN, [CONNECT_ENV.bucket]: 'amazon-connect-abc', [CONNECT_ENV.output]: 'raw' };
    expect(connectSettingsFromEnv(env)).toEqual({
      instanceArn: ARN,
      instance: { arn: ARN, partition: 'aws', region: 'eu-west-2', account: '123456789012', id: 'a1b2c3d4-5678-90ab-cdef-111122223333' },
      bucket: 'amazon-connect-abc',
      redacted: false,
    });
    expect(() => connectSettingsFromEnv({ ...env, [CONNECT_ENV.output]: 'both' })).toThrow('CONNECT_ANALYSIS_OUTPUT must be "redacted" or "raw"');
    expect(() => connectSettingsFromEnv({ ...env, [CONNECT_ENV.instanceArn]: 'arn:aws:connect:eu-west-2:123456789012:instance/x' })).toThrow(
      'CONNECT_INSTANCE_ARN must be an Amazon Connect instance ARN',
    );
  });
});
