import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type LambdaName, ROUTES } from '../../lib/routes';
import type { Settings } from '../settings';
import { alarmName } from './alarms';

export interface HttpApiProps {
  functions: Record<LambdaName, IFunction>;
  settings: Settings;
}

/**
 * One access log line per request, as JSON. Only these $context variables are logged and no
 * request header, so the Authorization header (the API key) never reaches the log. `routeKey` is
 * logged instead of the path, because the path of `GET /calls/{number}` holds a customer's number.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationErrorMessage: '$context.integrationErrorMessage',
};

/** The 5xx alarm: the share of requests answered with a 5xx, over one period, that raises it. */
export const SERVER_ERROR_ALARM = {
  periodMinutes: 5,
  thresholdPercent: 5,
} as const;

/**
 * The HTTP API: exactly the routes of `lib/routes.ts` (which the local server also serves), each
 * proxied to its Lambda with payload format 2.0, behind one throttled and access-logged stage.
 * No CORS: the callers are servers, never browsers.
 */
export class HttpApi extends Construct {
  readonly api: apigw.HttpApi;
  /** The routes, by route key as written in `lib/routes.ts`. */
  readonly routes: ReadonlyMap<string, apigw.HttpRoute>;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** The share of 5xx answers; no action here (the stack adds the alarm topic when there is one). */
  readonly serverErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const { functions, settings } = props;

    // HttpApi's built-in default stage takes no throttling or access-log options: ours is below.
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Serves voice-agent calls to Cekura',
      createDefaultStage: false,
    });

    // One integration per Lambda, shared by all of its routes.
    const integrations = new Map<LambdaName, HttpLambdaIntegration>();
    const integrationFor = (name: LambdaName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}Integration`, functions[name], {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(name, integration);
      }
      return integration;
    };

    this.routes = new Map(
      ROUTES.map((route) => [
        route.routeKey,
        new apigw.HttpRoute(this, routeId(route.routeKey), {
          httpApi: this.api,
          routeKey: toHttpRouteKey(route.routeKey),
          integration: integrationFor(route.lambda),
        }),
      ]),
    );

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Caps what a leaked key, or a runaway client, can cost in Lambda and DynamoDB.
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // Bad input is a 4xx by design, so a 5xx is a fault of ours (a Lambda error or timeout, DynamoDB,
    // Secrets Manager): a rate, not a count, so a busy day does not raise it by volume alone.
    const period = Duration.minutes(SERVER_ERROR_ALARM.periodMinutes);
    this.serverErrorsAlarm = new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
      alarmName: alarmName(this, 'api-5xx-rate'),
      alarmDescription:
        `At least ${SERVER_ERROR_ALARM.thresholdPercent}% of the API's requests got a 5xx over ${SERVER_ERROR_ALARM.periodMinutes} minutes ` +
        '(bad input is a 4xx, so these are faults of the adapter). Look up the failing requests in the API access log ' +
        '(status, routeKey, integrationErrorMessage) and the errors in the logs of the Lambda of that route.',
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: this.stage.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
          requests: this.stage.metricCount({ period }),
        },
        period,
        label: '5xx answers (% of requests)',
      }),
      threshold: SERVER_ERROR_ALARM.thresholdPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No requests, no data: nothing to alarm about.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Base URL of the API, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}

/** `GET /calls/{number}`, `ANY /calls` or `$default`, as CDK's typed route key. */
export function toHttpRouteKey(routeKey: string): apigw.HttpRouteKey {
  if (routeKey === '$default') return apigw.HttpRouteKey.DEFAULT;
  const [method, routePath, ...rest] = routeKey.split(' ');
  const httpMethod = Object.values(apigw.HttpMethod).find((m) => m === method);
  if (!httpMethod || !routePath || rest.length > 0) {
    throw new Error(`Route key "${routeKey}" is not "<METHOD> <path>" or "$default"`);
  }
  return apigw.HttpRouteKey.with(routePath, httpMethod);
}

/** A readable construct id: `GET /calls/{number}` -> `GetCallsNumberRoute`. */
function routeId(routeKey: string): string {
  const words = routeKey.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return `${words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('')}Route`;
}
