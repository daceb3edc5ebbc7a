import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type LambdaName } from '../../lib/routes';
import type { Settings } from '../settings';

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
