import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { getRouteKeyOf, OPENAPI_ROUTE_KEY, ROUTES, VIEWER_ASSET_ROUTE_KEY, VIEWER_ROUTE_KEY } from '../lib/routes';
import type { CekuraCallAdapterStack } from './stack';

/**
 * Every cdk-nag (AwsSolutions) finding this app accepts, and why. Each is acknowledged on the one
 * resource it fires on, never stack-wide, so a new resource with the same problem still fails
 * synth. Ids carry the plugin namespace (`AwsSolutions::`): the CDK validation report
 * (cdk.out/validation-report.json) then lists each as acknowledged with its reason, for review.
 */
export const NAG_REASONS = {
  keyRotation:
    'The API keys are pasted into the Cekura dashboard (read key) and into the system that pushes calls (ingest key); ' +
    'automatic rotation would silently break those integrations. Rotation is a documented manual procedure: the secret ' +
    'holds comma-separated keys that are all accepted, so a new key is added, the caller switched, then the old key removed.',
  pinnedRuntime:
    'Node.js 22 is pinned deliberately: an LTS runtime supported by Lambda, and the version the code, its tests and its ' +
    'bundling target (node22) are checked against. Moving to a newer runtime is a tested change, not an automatic one.',
  apiKeyInHandler:
    'Cekura authenticates with a static API key in the Authorization header. JWT and IAM authorizers cannot check that; ' +
    'instead the handler compares it, in constant time, with the keys in Secrets Manager before doing anything else, ' +
    'and rejects the request otherwise. A Lambda authorizer would run the same check in an extra invocation per request.',
  publicFallback:
    'Deliberately unauthenticated: this route only turns unknown paths and wrong methods into a JSON 404/405. It reaches ' +
    'only the fallback Lambda, whose role can write its own logs and nothing else, so it exposes no data.',
  webhookSecretRotation:
    'These are the secrets Vapi, Retell and ElevenLabs sign webhooks with; Retell and ElevenLabs issue theirs, so ' +
    'a rotation must start in their dashboards and cannot be automated here. The secret holds comma-separated values ' +
    'that are all accepted, so a new one is added before the platform switches and the old one removed after.',
  signedWebhook:
    'Authenticated by the platform, not by an API key: Vapi, Retell and ElevenLabs cannot send our key, so the ' +
    'handler verifies their signature (HMAC-SHA256 over the raw body, with a timestamp where the platform signs one) ' +
    'in constant time against secrets in Secrets Manager before parsing anything, and stores nothing otherwise.',
  publicDescription:
    'Deliberately unauthenticated: GET /openapi.json serves the OpenAPI description of the API, which is generated from ' +
    'the code and holds no data, key or account detail. It reaches only the fallback Lambda, whose role can write its ' +
    'own logs and nothing else; the stage throttle caps its cost.',
  publicViewer:
    'Deliberately unauthenticated: GET / and GET /assets/{file} serve the static call viewer page (HTML, script and ' +
    'styles built into the fallback Lambda), which holds no data. The page asks the user for the read key and calls the ' +
    'authenticated GET /calls with it from the browser; the Lambda serving it can write its own logs and nothing else.',
  cekuraKeyRotation:
    'This secret holds the API key Cekura issues for its custom-provider webhook; only Cekura can issue a new one, so ' +
    'rotation starts in the Cekura dashboard and cannot be automated here. The forwarder re-reads the secret every ' +
    'few minutes, so pasting a new key in takes effect without a redeploy.',
  cekuraDeadLetterQueue:
    "This queue is itself the dead-letter queue of the Cekura forwarder (the event source mapping's on-failure " +
    'destination, and where refused calls are sent). A dead-letter queue of a dead-letter queue would only move the ' +
    'problem; instead an alarm fires as soon as this queue holds a message, and messages are kept 14 days.',
  connectAnalysisObjects:
    'The Lambda reads the Contact Lens analysis files of one Amazon Connect instance, whose names (a date folder, the ' +
    "contact id and a time) are only known when S3 reports each one. The wildcard covers exactly that prefix of the instance's " +
    'bucket (Analysis/Voice/Redacted/ for redacted files), for s3:GetObject only: no other object, no listing, no writes.',
  connectContacts:
    'DescribeContact is authorized per contact, and the contacts to describe are only known when their analysis files arrive. ' +
    'The wildcard is the contacts of this one Amazon Connect instance (<instance ARN>/contact/*), for connect:DescribeContact only.',
  recordingObjects:
    'A pre-signed link to a recording carries the permissions of the Lambda that signs it, so this role may read the ' +
    "objects under exactly the bucket prefixes listed in context recordingBuckets (the user's recordings, e.g. Amazon " +
    "Connect's CallRecordings/ prefix) and nothing else: no ListBucket, no other bucket. Object keys are per call and " +
    'not known at deploy time, so the prefix can only be written with a trailing wildcard.',
} as const;

const RULES = {
  keyRotation: 'AwsSolutions::AwsSolutions-SMG4',
  pinnedRuntime: 'AwsSolutions::AwsSolutions-L1',
  apiKeyInHandler: 'AwsSolutions::AwsSolutions-APIG4',
  publicFallback: 'AwsSolutions::AwsSolutions-APIG4',
  publicDescription: 'AwsSolutions::AwsSolutions-APIG4',
  publicViewer: 'AwsSolutions::AwsSolutions-APIG4',
  signedWebhook: 'AwsSolutions::AwsSolutions-APIG4',
  webhookSecretRotation: 'AwsSolutions::AwsSolutions-SMG4',
  cekuraKeyRotation: 'AwsSolutions::AwsSolutions-SMG4',
  cekuraDeadLetterQueue: 'AwsSolutions::AwsSolutions-SQS3',
  connectAnalysisObjects: 'AwsSolutions::AwsSolutions-IAM5',
  connectContacts: 'AwsSolutions::AwsSolutions-IAM5',
  recordingObjects: 'AwsSolutions::AwsSolutions-IAM5',
} as const satisfies Record<keyof typeof NAG_REASONS, string>;

export function acknowledgeNagFindings(stack: CekuraCallAdapterStack): void {
  const ack = (scope: IConstruct, why: keyof typeof NAG_REASONS) => Validations.of(scope).acknowledge({ id: RULES[why], reason: NAG_REASONS[why] });

  ack(stack.apiKeys.readKeys, 'keyRotation');
  ack(stack.apiKeys.ingestKeys, 'keyRotation');
  ack(stack.apiKeys.webhookSecrets, 'webhookSecretRotation');

  for (const fn of Object.values(stack.functions.byName)) ack(fn, 'pinnedRuntime');

  // Each listed prefix, on each role that signs recording links, by its exact resource.
  const signers = [stack.functions.byName.readCalls, stack.cekuraForwarder?.fn, stack.cekuraObserveForwarder?.fn];
  for (const fn of signers) {
    if (!fn?.role) continue;
    for (const { bucket, prefix } of stack.recordings.buckets) {
      Validations.of(fn.role).acknowledge({
        id: `${RULES.recordingObjects}[Resource::arn:<AWS::Partition>:s3:::${bucket}/${prefix}*]`,
        reason: NAG_REASONS.recordingObjects,
      });
    }
  }

  for (const cekura of [stack.cekuraForwarder, stack.cekuraObserveForwarder]) {
    if (!cekura) continue;
    ack(cekura.fn, 'pinnedRuntime');
    ack(cekura.deadLetters, 'cekuraDeadLetterQueue');
    if (cekura.createdApiKey) ack(cekura.createdApiKey, 'cekuraKeyRotation');
  }

  const connect = stack.connectAnalysis;
  if (connect) {
    ack(connect.fn, 'pinnedRuntime');
    // One finding per wildcard resource, each acknowledged by its exact resource: a new wildcard still fails synth.
    Validations.of(connect.role).acknowledge({
      id: `${RULES.connectAnalysisObjects}[Resource::arn:<AWS::Partition>:s3:::${connect.bucket}/${connect.analysisPrefix}*]`,
      reason: NAG_REASONS.connectAnalysisObjects,
    });
    Validations.of(connect.role).acknowledge({
      id: `${RULES.connectContacts}[Resource::${connect.instanceArn}/contact/*]`,
      reason: NAG_REASONS.connectContacts,
    });
  }

  for (const { routeKey, lambda } of ROUTES) {
    const route = stack.httpApi.routes.get(routeKey);
    if (!route) continue;
    // A HEAD twin is acknowledged for the reason of its GET route.
    const asGet = getRouteKeyOf(routeKey);
    const why =
      asGet === OPENAPI_ROUTE_KEY
        ? 'publicDescription'
        : asGet === VIEWER_ROUTE_KEY || asGet === VIEWER_ASSET_ROUTE_KEY
          ? 'publicViewer'
          : lambda === 'fallback'
            ? 'publicFallback'
            : lambda === 'platformWebhook'
              ? 'signedWebhook'
              : 'apiKeyInHandler';
    ack(route, why);
  }
}
