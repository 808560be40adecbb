import { describe, expect, it } from 'vitest';
import { FUNCTION_ENVIRONMENT, OPTIONAL_ENVIRONMENT, type FunctionName, readEnvironment, VARIABLES, type Variable } from '../../functions/environment.js';
import { actionsOf, FUNCTION_CONSTRUCT, functionId, statementsOf, synthTemplates } from './helpers.js';

const EXTENSION = /^(PARAMETERS_SECRETS_EXTENSION_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_)/;

const CONSTRUCT = FUNCTION_CONSTRUCT;

describe('Function environments, proven against the synthesized stacks', () => {
  const { stateful, stateless } = synthTemplates({ context: { senderDomains: 'acme.com' } });
  const functions = stateless.findResources('AWS::Lambda::Function');
  const exports = new Set(Object.values(stateful.toJSON().Outputs ?? {}).flatMap((o: any) => (o.Export ? [o.Export.Name] : [])));
  const resources = stateless.toJSON().Resources as Record<string, { Type: string }>;
  const env = (name: FunctionName) => functions[functionId(stateless, CONSTRUCT[name])]!.Properties.Environment.Variables as Record<string, unknown>;

  it.each(Object.keys(CONSTRUCT) as FunctionName[])(
    '%s gets exactly the variables its schema requires, each in its shape or naming a resource that exists',
    (name) => {
      // The Parameters and Secrets extension's own settings, set by CDK with the layer, are the extension's.
      const variables = Object.fromEntries(Object.entries(env(name)).filter(([k]) => !EXTENSION.test(k)));
      // Its optional variables when the stack sets them (the Cognito pool's id, when the stack made one).
      const optional = (OPTIONAL_ENVIRONMENT[name] ?? []).filter((v) => v in variables);
      expect(Object.keys(variables).sort()).toEqual([...FUNCTION_ENVIRONMENT[name], ...optional].sort());
      for (const [variable, value] of Object.entries(variables)) {
        if (typeof value === 'string') {
          expect(VARIABLES[variable as Variable].safeParse(value).success, `${name}.${variable} = ${value}`).toBe(true);
          continue;
        }
        // A token: a resource of this stack, or an export of the stateful stack.
        const refs =
          JSON.stringify(value)
            .match(/"Ref":"([^"]+)"/g)
            ?.map((r) => r.slice(7, -1)) ?? [];
        for (const ref of refs) if (!ref.startsWith('AWS::')) expect(resources[ref], `${name}.${variable} names ${ref}`).toBeDefined();
        const imports =
          JSON.stringify(value)
            .match(/"Fn::ImportValue":"([^"]+)"/g)
            ?.map((r) => r.slice(19, -1)) ?? [];
        for (const imported of imports) expect(exports.has(imported), `${name}.${variable} imports ${imported}`).toBe(true);
        expect(refs.length + imports.length + (JSON.stringify(value).includes('Fn::GetAtt') ? 1 : 0), `${name}.${variable}`).toBeGreaterThan(0);
      }
    },
  );

  it.each(Object.keys(CONSTRUCT) as FunctionName[])('%s may use every resource its environment names', (name) => {
    const variables = env(name);
    const statements = statementsOf(stateless, functionId(stateless, CONSTRUCT[name]));
    const allowing = (action: string, resource: string) =>
      statements.some((s) => actionsOf([s]).includes(action) && JSON.stringify(s.Resource).includes(resource));
    if (variables.TABLE_NAME) expect(statements.some((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')))).toBe(true);
    if (variables.EXPORT_BUCKET) {
      const bucket = (variables.EXPORT_BUCKET as { Ref: string }).Ref;
      expect(allowing(name === 'exportLeads' ? 's3:PutObject' : 's3:GetObject', bucket), `${name} uses EXPORT_BUCKET`).toBe(true);
    }
    if (variables.CONSOLE_USER_POOL_ID) expect(allowing('cognito-idp:ListUsers', 'ConsoleUsersPool')).toBe(true);
    for (const queue of ['SEND_QUEUE_URL', 'WEBHOOK_QUEUE_URL', 'WEBHOOK_DLQ_URL', 'EXPORT_QUEUE_URL'] as const) {
      const ref = (variables[queue] as { Ref?: string } | undefined)?.Ref;
      if (ref) expect(allowing('sqs:SendMessage', ref), `${name} sends to ${queue}`).toBe(true);
    }
    if (variables.TOKEN_SECRET_ARN) {
      const imported = (variables.TOKEN_SECRET_ARN as { 'Fn::ImportValue': string })['Fn::ImportValue'];
      expect(allowing('secretsmanager:GetSecretValue', imported)).toBe(true);
    }
    if (typeof variables.WEBHOOK_SECRET_IDS === 'string')
      for (const secret of Object.values(JSON.parse(variables.WEBHOOK_SECRET_IDS) as Record<string, string>))
        expect(allowing('secretsmanager:GetSecretValue', `${secret}-??????`)).toBe(true);
    if (variables.SES_CONFIGURATION_SET) expect(allowing('ses:SendEmail', 'configuration-set/')).toBe(true);
  });

  it('fails a cold start on a missing or malformed variable, naming it', () => {
    expect(() => readEnvironment('capture', { LOG_LEVEL: 'info', NODE_OPTIONS: '', FUNNEL_STACK: 's', TABLE_NAME: 't' })).toThrow(
      "The capture function's environment is incomplete: TOKEN_SECRET_ARN: is not set",
    );
    expect(() =>
      readEnvironment('sendEmail', {
        LOG_LEVEL: 'loud',
        NODE_OPTIONS: '',
        FUNNEL_STACK: 's',
        TABLE_NAME: 't',
        TOKEN_SECRET_ARN: 'arn',
        SES_CONFIGURATION_SET: 'c',
        SES_TRACKED_CONFIGURATION_SETS: 'nope',
        SEND_CONCURRENCY: '2',
        SEND_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
        PUBLIC_API_URL: 'https://api.acme.com',
      }),
    ).toThrow(/LOG_LEVEL: .*; SES_TRACKED_CONFIGURATION_SETS: must be a JSON object of strings/);
  });
});
