import { CAPTURE } from './endpoints/capture.js';
import { captureArea, fromEnvironment, type LambdaBase } from '../composition.js';
import type { CaptureDeps } from '../use-cases/deps.js';
import { getForm } from '../use-cases/get-form.js';
import { submitForm } from '../use-cases/submit-form.js';
import { trackEvent } from '../use-cases/track-event.js';
import { header, json, routeGroup } from './http.js';

/** Route group "capture": the public endpoints the widget calls (forms, submissions, behaviour events). */
export const makeFormsHandler = (deps: () => CaptureDeps & Pick<LambdaBase, 'log'>) =>
  routeGroup(
    CAPTURE,
    {
      getForm: async ({ params }) => json(200, getForm(deps(), params.formId)),
      submitForm: async ({ event, params, body }) => {
        const origin = header(event, 'origin');
        const userAgent = header(event, 'user-agent');
        const result = await submitForm(deps(), {
          formId: params.formId,
          body,
          clientIp: event.requestContext.http.sourceIp,
          ...(origin && { origin }),
          ...(userAgent && { userAgent }),
        });
        return json(result.status, result.body);
      },
      trackEvent: async ({ event, body }) => {
        const origin = header(event, 'origin');
        return json(202, await trackEvent(deps(), { body, ...(origin && { origin }) }));
      },
    },
    { log: () => deps().log, allowedOrigins: () => deps().config.allOrigins() },
  );

export const handler = makeFormsHandler(fromEnvironment((base) => ({ ...captureArea(base), log: base.log })));
