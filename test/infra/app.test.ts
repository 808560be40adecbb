import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidConfigError } from '../../functions/core/config.js';
import { WIDGET_BUNDLE_PATH, writeWidgetBundle } from '../../widget/build.js';
import { buildApp, DEFAULT_SETTINGS, InvalidSettingError } from '../../infra/funnel-app.js';
import { deployableConfig, infraConfig, synthTemplates } from './helpers.js';

describe('buildApp', () => {
  it('fails synth on an invalid config, naming the path of the bad value', () => {
    const bad = infraConfig((c) => {
      const form = c.sites[0]!.forms[0]!;
      if (form.kind !== 'gated-content') throw new Error('demo config changed: first form is not gated content');
      form.leadMagnet.url = 'ftp://nope';
    });
    expect(() => synthTemplates({ config: bad })).toThrow(InvalidConfigError);
    expect(() => synthTemplates({ config: bad })).toThrow('sites[0].forms[0].leadMagnet.url');
  });

  it('fails synth on a bad scoring rule, naming its path', () => {
    const bad = infraConfig((c) => void (c.sites[0]!.scoring!.engagement![0]!.halfLifeDays = -3));
    expect(() => synthTemplates({ config: bad })).toThrow('sites[0].scoring.engagement[0].halfLifeDays');
  });

  it('fails on a config with an origin that is not an origin', () => {
    const bad = infraConfig((c) => (c.sites[0]!.allowedOrigins = ['https://blog.example.com/path']));
    expect(() => synthTemplates({ config: bad })).toThrow('sites[0].allowedOrigins[0]');
  });

  it('names the stacks from stackPrefix and stage, defaults Funnel-prod', () => {
    const defaults = synthTemplates();
    expect(defaults.settings).toEqual(DEFAULT_SETTINGS);
    expect(defaults.app.node.children.map((c) => c.node.id).filter((id) => id.startsWith('Funnel')).sort()).toEqual([
      'Funnel-prod-Stateful',
      'Funnel-prod-Stateless',
    ]);
    const { app } = buildApp(infraConfig(), { appProps: { context: { 'aws:cdk:bundling-stacks': [], stackPrefix: 'Acme', stage: 'staging' } } });
    const names = app.node.children.map((c) => c.node.id).filter((id) => id.startsWith('Acme'));
    expect(names.sort()).toEqual(['Acme-staging-Stateful', 'Acme-staging-Stateless']);
  });

  it('rejects bad context values with the key in the message', () => {
    expect(() => synthTemplates({ context: { apiThrottleRate: 'fast' } })).toThrow(InvalidSettingError);
    expect(() => synthTemplates({ context: { apiThrottleRate: 'fast' } })).toThrow('"apiThrottleRate"');
    expect(() => synthTemplates({ context: { apiThrottleBurst: '0' } })).toThrow('apiThrottleBurst');
    expect(() => synthTemplates({ context: { logLevel: 'debug' } })).toThrow('logLevel');
    expect(() => synthTemplates({ context: { logRetentionDays: '8' } })).toThrow('logRetentionDays');
    expect(() => synthTemplates({ context: { stage: 'Prod_1' } })).toThrow('stage');
    expect(() => synthTemplates({ context: { retainData: 'yes' } })).toThrow('retainData');
  });

  it('stacks are environment-agnostic (no account, no region, no look-ups)', () => {
    const { stateful, stateless } = buildApp(infraConfig(), { appProps: { context: { 'aws:cdk:bundling-stacks': [] } } });
    for (const stack of [stateful, stateless]) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    }
    expect(stateless.dependencies).toContain(stateful);
  });
});

describe('the default app, really bundled', () => {
  it('synthesizes offline with local esbuild: eleven ESM bundles with the createRequire banner, the widget beside its function', { timeout: 180_000 }, async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'funnel-cdk-'));
    try {
      await writeWidgetBundle();
      const { app, stateless } = buildApp(deployableConfig(), { appProps: { outdir } });
      const assembly = app.synth();
      expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Funnel-prod-Stateful', 'Funnel-prod-Stateless']);
      const bundles = fs.readdirSync(outdir).filter((d) => d.startsWith('asset.'));
      expect(bundles).toHaveLength(11);
      for (const dir of bundles) {
        const code = fs.readFileSync(path.join(outdir, dir, 'index.mjs'), 'utf8');
        expect(code.startsWith("import { createRequire as __funnelCreateRequire } from 'node:module';")).toBe(true);
        expect(fs.existsSync(path.join(outdir, dir, 'index.mjs.map'))).toBe(true);
        // The lead-activity bundle carries the ~121k-domain disposable-email list (~2.2 MB); the others are ~1 MB.
        expect(code.length).toBeLessThan(4_000_000);
      }
      // The SDK is bundled, not left to the runtime: the capture bundle contains the DynamoDB client.
      const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stateless.stackName}.template.json`), 'utf8'));
      const captureId = Object.keys(template.Resources).find((id) => id.startsWith('CaptureFunction'))!;
      const s3Key = template.Resources[captureId].Properties.Code.S3Key as string; // `${assetHash}.zip`
      const captureCode = fs.readFileSync(path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
      expect(captureCode).toContain('DynamoDBClient');
      const widgetId = Object.keys(template.Resources).find((id) => id.startsWith('WidgetFunction'))!;
      const widgetDir = path.join(outdir, `asset.${(template.Resources[widgetId].Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
      expect(fs.readFileSync(path.join(widgetDir, 'widget.js'), 'utf8')).toBe(fs.readFileSync(WIDGET_BUNDLE_PATH, 'utf8'));
      expect(fs.readFileSync(path.join(widgetDir, 'index.mjs'), 'utf8')).not.toContain('DynamoDBClient');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
