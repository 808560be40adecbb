import { CAPTURE } from './endpoints/capture.js';
import { captureArea, fromEnvironment, type LambdaBase } from '../composition.js';
import type { CaptureDeps } from '../use-cases/deps.js';
import { getForm } from '../use-cases/get-form.js';
import { submitForm } from '../use-cases/submit-form.js';
import { trackEvent } from '../use-cases/track-event.js';
import { knownFields, recordImpressions } from '../use-cases/form-stats.js';
import { header, json, routeGroup } from './http.js';
import { behindEdge, edgeSecretsOf } from './edge.js';

/**
 * Every page with a snippet asks for its form: a CDN in front of the API may keep the definition for a
 * minute (`s-maxage`), browsers do not (`max-age=0`). `Age` says how long it was kept, and the widget adds
 * it to `serverTime`, so the bot timer stays true for a cached copy (the header is exposed to the page).
 */
export const FORM_CACHE_SECONDS = 60;
const FORM_CACHE_HEADERS = {
  'cache-control': `public, max-age=0, s-maxage=${FORM_CACHE_SECONDS}`,
  'access-control-expose-headers': 'Age',
};

/** Route group "capture": the public endpoints the widget calls (forms, submissions, behaviour events). */
export const makeFormsHandler = (deps: () => CaptureDeps & Pick<LambdaBase, 'log'>) =>
  routeGroup(
    CAPTURE,
    {
      getForm: async ({ params, query }) => json(200, await getForm(deps(), params.formId, query.bucket), FORM_CACHE_HEADERS),
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
      recordImpressions: async ({ event, body }) => {
        const origin = header(event, 'origin');
        await recordImpressions(deps(), { body, clientIp: event.requestContext.http.sourceIp, ...(origin && { origin }) });
        return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
      },
      knownFields: async ({ params, body }) => json(200, await knownFields(deps(), params.formId, body)),
    },
    { log: () => deps().log, allowedOrigins: () => deps().config.allOrigins() },
  );

export const handler = behindEdge(edgeSecretsOf('capture'), makeFormsHandler(fromEnvironment('capture', (base) => ({ ...captureArea(base), log: base.log }))));
