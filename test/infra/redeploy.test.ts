import { describe, expect, it } from 'vitest';
import type { FunnelConfigInput } from '../../functions/core/config.js';
import { cloneSite } from '../support/builders.js';
import { infraConfig, synthTemplates } from './helpers.js';

/**
 * A config change deploys: the stateful stack goes first, while the stateless stack of the config before
 * still runs with what it imports. CloudFormation refuses to remove an export in use ("export … cannot be
 * deleted as it is in use"), so every export the old stateless stack imports must still be exported by
 * the new stateful stack, for every change a user makes to the config, in either direction.
 */
const CHANGES: Record<string, () => FunnelConfigInput> = {
  'as shipped (no tracking)': () => infraConfig(),
  'opens and clicks tracked': () => infraConfig((c) => (c.sites[0]!.email!.tracking = { opens: true, clicks: true })),
  'clicks tracked only': () => infraConfig((c) => (c.sites[0]!.email!.tracking = { opens: false, clicks: true })),
  'a second site, opens tracked': () =>
    infraConfig((c) => {
      const other = cloneSite(c.sites[0]!, 'news');
      other.email!.tracking = { opens: true, clicks: false };
      c.sites.push(other);
    }),
  'no webhooks': () => infraConfig((c) => delete c.sites[0]!.webhooks),
};

const synth = (config: FunnelConfigInput) => {
  const { stateful, stateless } = synthTemplates({ config });
  const exports = new Set(
    Object.values(stateful.toJSON().Outputs ?? {}).flatMap((o) =>
      (o as { Export?: { Name?: string } }).Export?.Name ? [(o as { Export: { Name: string } }).Export.Name] : [],
    ),
  );
  const imports = new Set([...JSON.stringify(stateless.toJSON()).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((m) => m[1]!));
  return { exports, imports };
};

describe('A config change, then a deploy', () => {
  it('never removes an export the deployed stateless stack still imports, in either direction of every change', { timeout: 180_000 }, () => {
    // Prepare
    const built = Object.fromEntries(Object.entries(CHANGES).map(([name, make]) => [name, synth(make())]));
    // Act + Assess: from each config to each other
    for (const [before, old] of Object.entries(built))
      for (const [after, next] of Object.entries(built)) {
        const missing = [...old.imports].filter((name) => !next.exports.has(name));
        expect(missing, `${before} → ${after}`).toEqual([]);
      }
  });
});

/** Properties that give a resource a fixed name (a second resource of that name cannot be created). */
const NAME_PROPERTIES = ['Name', 'TableName', 'LogGroupName', 'EmailIdentity', 'ConfigurationSetName', 'TopicName', 'QueueName', 'BucketName'];
/** The documented way through for each retained, named resource type (docs/deploy.md, "Deploying again after a destroy"). */
const WAY_THROUGH: Record<string, string> = { 'AWS::SecretsManager::Secret': 'existingWebhookSecrets', 'AWS::SES::EmailIdentity': 'existingIdentities' };

describe('Deploy, destroy, deploy again', () => {
  const retainedNamed = (context: Record<string, unknown> = {}) => {
    const { stateful, stateless } = synthTemplates({ context });
    return [stateful, stateless].flatMap((t) =>
      Object.entries(t.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }>).filter(
        ([, r]) => r.DeletionPolicy === 'Retain' && NAME_PROPERTIES.some((p) => typeof r.Properties?.[p] === 'string'),
      ),
    );
  };

  it('keeps only named resources that have a setting to take them back when deployed again', { timeout: 60_000 }, () => {
    // Act
    const kept = retainedNamed();
    // Assess: webhook secrets and sender identities, and each type has its setting
    expect(new Set(kept.map(([, r]) => r.Type))).toEqual(new Set(Object.keys(WAY_THROUGH)));
  });

  it('deployed again with those settings, creates no named resource that a destroyed stack kept', { timeout: 60_000 }, () => {
    // Act
    const again = retainedNamed({ existingWebhookSecrets: '*', existingIdentities: '*' });
    const { stateless } = synthTemplates({ context: { existingWebhookSecrets: 'demo/crm', existingIdentities: '*' } });
    // Assess: nothing named is created; the sender still reads the secret by its name
    expect(again).toEqual([]);
    expect(JSON.stringify(stateless.toJSON())).toContain('webhooks/demo/crm');
    expect(() => synthTemplates({ context: { existingWebhookSecrets: 'crm' } })).toThrow(/existingWebhookSecrets/);
  });
});
