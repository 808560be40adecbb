import middy from '@middy/core';
import { fromEnvironment, type AppDeps } from '../composition.js';
import { getForm } from '../use-cases/get-form.js';
import { submitForm } from '../use-cases/submit-form.js';
import { trackEvent } from '../use-cases/track-event.js';
import { accessLog, cors, errorHandler, header, HttpError, json, jsonBody, pathParam, type HttpEvent, type HttpResult } from './http.js';

/** Route group "capture": the public endpoints the widget calls (forms, submissions, behaviour events). */
export const makeFormsHandler = (deps: () => AppDeps) =>
  middy<HttpEvent, HttpResult>()
    .use(cors(() => deps().config.allOrigins()))
    .use(accessLog(() => deps().log))
    .use(errorHandler(() => deps().log))
    .use(jsonBody({ textPlainRoutes: ['POST /v1/events'] }))
    .handler(async (event) => {
      switch (event.routeKey) {
        case 'GET /v1/forms/{formId}':
          return json(200, getForm(deps(), pathParam(event, 'formId')));
        case 'POST /v1/forms/{formId}/submissions': {
          const origin = header(event, 'origin');
          const userAgent = header(event, 'user-agent');
          const result = await submitForm(deps(), {
            formId: pathParam(event, 'formId'),
            body: event.json,
            clientIp: event.requestContext.http.sourceIp,
            ...(origin && { origin }),
            ...(userAgent && { userAgent }),
          });
          return json(result.status, result.body);
        }
        case 'POST /v1/events': {
          const origin = header(event, 'origin');
          return json(202, await trackEvent(deps(), { body: event.json, ...(origin && { origin }) }));
        }
        default:
          throw new HttpError(404, 'not_found', 'No such route');
      }
    });

export const handler = makeFormsHandler(fromEnvironment);
