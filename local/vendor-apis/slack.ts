import type { OpenAPIV3 } from 'openapi-types';

/**
 * Slack's incoming webhooks. Slack's published API specs (github.com/slackapi/slack-api-specs) describe
 * the Web API and the Events API, not incoming webhooks, so this is written from Slack's documentation:
 * "Sending messages using incoming webhooks" (api.slack.com/messaging/webhooks: `POST` JSON with `text`
 * and `blocks` to `https://hooks.slack.com/services/T…/B…/…`; `200 ok`; errors `400 invalid_payload`,
 * `403 action_prohibited`, `404 channel_not_found`, `404 no_service`, `410 channel_is_archived`,
 * `429` with `Retry-After`) and the Block Kit reference (api.slack.com/reference/block-kit/blocks: at
 * most 50 blocks; a section's text at most 3,000 characters, at most 10 fields of 2,000 each; a header's
 * plain text at most 150; a context at most 10 elements; a text object's `verbatim`).
 */
const plain = (max: number): OpenAPIV3.SchemaObject => ({
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { type: 'string', enum: ['plain_text'] }, text: { type: 'string', minLength: 1, maxLength: max }, emoji: { type: 'boolean' } },
  additionalProperties: false,
});
const textObject = (max: number): OpenAPIV3.SchemaObject => ({
  type: 'object',
  required: ['type', 'text'],
  properties: {
    type: { type: 'string', enum: ['mrkdwn', 'plain_text'] },
    text: { type: 'string', minLength: 1, maxLength: max },
    verbatim: { type: 'boolean' },
  },
  additionalProperties: false,
});

export const slackApi: OpenAPIV3.Document = {
  openapi: '3.0.1',
  info: { title: 'Slack incoming webhooks (the part Funnel calls)', version: '2026-12' },
  servers: [{ url: 'https://hooks.slack.com' }],
  paths: {
    '/services/{team}/{channel}/{token}': {
      post: {
        operationId: 'incomingWebhook',
        parameters: [
          { name: 'team', in: 'path', required: true, schema: { type: 'string', pattern: '^T[A-Z0-9]+$' } },
          { name: 'channel', in: 'path', required: true, schema: { type: 'string', pattern: '^B[A-Z0-9]+$' } },
          { name: 'token', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9]+$' } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['text'],
                properties: {
                  text: { type: 'string', minLength: 1, maxLength: 40000 },
                  blocks: {
                    type: 'array',
                    maxItems: 50,
                    items: {
                      oneOf: [
                        {
                          type: 'object',
                          required: ['type', 'text'],
                          properties: { type: { type: 'string', enum: ['header'] }, text: plain(150) },
                          additionalProperties: false,
                        },
                        {
                          type: 'object',
                          required: ['type'],
                          properties: {
                            type: { type: 'string', enum: ['section'] },
                            text: textObject(3000),
                            fields: { type: 'array', minItems: 1, maxItems: 10, items: textObject(2000) },
                          },
                          additionalProperties: false,
                        },
                        {
                          type: 'object',
                          required: ['type', 'elements'],
                          properties: {
                            type: { type: 'string', enum: ['context'] },
                            elements: { type: 'array', minItems: 1, maxItems: 10, items: textObject(3000) },
                          },
                          additionalProperties: false,
                        },
                        { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['divider'] } }, additionalProperties: false },
                      ],
                    },
                  },
                },
                additionalProperties: false,
              },
            },
          },
        },
        responses: {
          '200': { description: 'ok' },
          '400': { description: 'invalid_payload' },
          '404': { description: 'no_service' },
          '410': { description: 'channel_is_archived' },
          '429': { description: 'rate limited' },
        },
      },
    },
  },
};
