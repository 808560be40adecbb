import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Just enough of API Gateway HTTP API (payload format 2.0) to run the Lambda handlers unchanged on a
 * laptop: route matching, the event, the context, and writing the structured result back.
 */

export interface MatchedRoute {
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** Match `GET /v1/forms/ebook` against `GET /v1/forms/{formId}`. */
export function matchRoute(routeKeys: readonly string[], method: string, path: string): MatchedRoute | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const routeKey of routeKeys) {
    const [routeMethod, template = ''] = routeKey.split(' ');
    if (routeMethod !== method) continue;
    const templateParts = template.split('/').filter(Boolean);
    if (templateParts.length !== parts.length) continue;
    const pathParameters: Record<string, string> = {};
    const ok = templateParts.every((t, i) => {
      const part = parts[i] ?? '';
      if (t.startsWith('{') && t.endsWith('}')) {
        try {
          pathParameters[t.slice(1, -1)] = decodeURIComponent(part);
          return true;
        } catch {
          return false;
        }
      }
      return t === part;
    });
    if (ok) return { routeKey, pathParameters };
  }
  return undefined;
}

export function toEvent(req: IncomingMessage, body: Buffer, route: MatchedRoute): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const type = headers['content-type'] ?? '';
  // API Gateway passes text bodies as they are and anything else base64-encoded.
  const textual = /json|text|xml|x-www-form-urlencoded/i.test(type);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length && { queryStringParameters: query }),
    ...(Object.keys(route.pathParameters).length && { pathParameters: route.pathParameters }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

export function lambdaContext(functionName: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string | undefined): void {
  if (typeof result === 'string' || result === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result ?? '');
    return;
  }
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
  res.end(body);
}
