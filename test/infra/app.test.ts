import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import rawConfig from '../support/config.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidConfigError } from '../../functions/core/config.js';
import { WIDGET_DIR, writeWidget } from '../../widget/build.js';
import { CONSOLE_DIR, writeConsole } from '../../console/build.js';
import { FIXTURE_CONSOLE, FIXTURE_WIDGET, FUNCTION_CONSTRUCT, TEST_SYNTH } from './helpers.js';
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
    expect(() => synthTemplates({ config: bad })).toThrow('sites[id=demo].forms[id=ebook].leadMagnet.url');
  });

  it('fails synth on a bad scoring rule, naming its path', () => {
    const bad = infraConfig((c) => void (c.sites[0]!.scoring!.engagement![0]!.halfLifeDays = -3));
    expect(() => synthTemplates({ config: bad })).toThrow('sites[id=demo].scoring.engagement[id=trial-signup].halfLifeDays');
  });

  it('fails on a config with an origin that is not an origin', () => {
    const bad = infraConfig((c) => (c.sites[0]!.allowedOrigins = ['https://blog.example.com/path']));
    expect(() => synthTemplates({ config: bad })).toThrow('sites[id=demo].allowedOrigins[0]');
  });

  // Two syntheses of the whole app: seconds alone, but over a minute when CI's browser tests share the machine.
  it('names the stacks from stackPrefix and stage, defaults Funnel-prod', { timeout: 120_000 }, () => {
    const defaults = synthTemplates();
    expect(defaults.settings).toEqual(DEFAULT_SETTINGS);
    expect(
      defaults.app.node.children
        .map((c) => c.node.id)
        .filter((id) => id.startsWith('Funnel'))
        .sort(),
    ).toEqual(['Funnel-prod-Stateful', 'Funnel-prod-Stateless']);
    const { app } = buildApp(infraConfig(), {
      appProps: { context: { ...TEST_SYNTH, stackPrefix: 'Acme', stage: 'staging' } },
      widgetDirectory: FIXTURE_WIDGET,
      consoleDirectory: FIXTURE_CONSOLE,
    });
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

  it('says the widget is not built rather than failing deep in CDK (cdk synth builds it; a program calling buildApp may not)', () => {
    expect(() => buildApp(infraConfig(), { appProps: { context: TEST_SYNTH }, widgetDirectory: '/nonexistent/widget' })).toThrow(
      'The widget is not built: /nonexistent/widget is missing (npm run build:widget; cdk synth builds it itself)',
    );
  });

  it('stacks are environment-agnostic (no account, no region, no look-ups)', () => {
    const { stateful, stateless } = buildApp(infraConfig(), {
      appProps: { context: TEST_SYNTH },
      widgetDirectory: FIXTURE_WIDGET,
      consoleDirectory: FIXTURE_CONSOLE,
    });
    for (const stack of [stateful, stateless]) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    }
    expect(stateless.dependencies).toContain(stateful);
  });
});

describe('the default app, really bundled', () => {
  it('synthesizes offline with local esbuild: eleven ESM bundles with the createRequire banner, the built widget uploaded to its bucket', {
    timeout: 180_000,
  }, async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'funnel-cdk-'));
    try {
      const [widget, consoleBuild] = await Promise.all([writeWidget(), writeConsole()]);
      const { app, stateless } = buildApp(deployableConfig(), { appProps: { outdir } });
      const assembly = app.synth();
      expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Funnel-prod-Stateful', 'Funnel-prod-Stateless']);
      const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stateless.stackName}.template.json`), 'utf8'));
      const assetDir = (s3Key: string) => path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      const functionIds = Object.values(FUNCTION_CONSTRUCT).map((name) => Object.keys(template.Resources).find((id) => id.startsWith(`${name}Function`))!);
      const bundles = functionIds.map((id) => assetDir(template.Resources[id].Properties.Code.S3Key as string));
      expect(new Set(bundles).size).toBe(11);
      for (const dir of bundles) {
        const code = fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8');
        expect(code.startsWith("import { createRequire as __funnelCreateRequire } from 'node:module';")).toBe(true);
        expect(fs.existsSync(path.join(dir, 'index.mjs.map'))).toBe(true);
        // The lead-activity bundle carries the ~121k-domain disposable-email list (~2.2 MB); the others are ~1 MB.
        expect(code.length).toBeLessThan(4_000_000);
      }
      // The SDK is bundled, not left to the runtime: the capture bundle contains the DynamoDB client.
      const captureId = Object.keys(template.Resources).find((id) => id.startsWith('CaptureFunction'))!;
      const s3Key = template.Resources[captureId].Properties.Code.S3Key as string; // `${assetHash}.zip`
      const captureCode = fs.readFileSync(path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
      expect(captureCode).toContain('DynamoDBClient');
      // Both widget uploads (chunks, then the entry) and both console uploads (assets, then the page and its
      // settings) take the directory just built: every file of it, byte for byte.
      const uploads = Object.entries(template.Resources as Record<string, { Type: string; Properties: { SourceObjectKeys: string[] } }>).filter(
        ([, r]) => r.Type === 'Custom::CDKBucketDeployment',
      );
      expect(uploads.map(([id]) => id.replace(/CustomResource.*$/, '')).sort()).toEqual(['ConsoleAssets', 'ConsolePage', 'WidgetChunks', 'WidgetEntry']);
      for (const [id, upload] of uploads) {
        const [key] = upload.Properties.SourceObjectKeys;
        const [files, dir] = id.startsWith('Widget') ? [widget.files, WIDGET_DIR] : [consoleBuild.files, CONSOLE_DIR];
        for (const file of files) expect(fs.readFileSync(path.join(assetDir(key!), file.path))).toEqual(fs.readFileSync(path.join(dir, file.path)));
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the config file exactly as shipped, through the CDK CLI', () => {
  it('synthesizes offline as a fresh clone has it: the local-only demo site left out and named, nothing local deployed, no warnings', {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'funnel-cdk-cli-'));
    try {
      // Act: what the README tells a newcomer to run
      const result = spawnSync('npx', ['cdk', 'synth', '-q', '-o', outdir], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      const said = `${result.stdout}${result.stderr}`;

      // Assess
      expect(result.status, said).toBe(0);
      expect(said).toContain('Funnel: local-only site(s) not deployed (they run under npm start): demo');
      expect(said).not.toContain('feature flags are not configured');
      expect(said).not.toContain('⚠️');
      const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
      expect(templates.sort()).toEqual(['Funnel-prod-Stateful.template.json', 'Funnel-prod-Stateless.template.json']);
      for (const file of templates) {
        const text = fs.readFileSync(path.join(outdir, file), 'utf8');
        expect(text).not.toMatch(/localhost|127\.0\.0\.1|acme\.example/);
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('names a bad -c value in one line, with no stack trace (the app run as the CLI runs it)', { timeout: 60_000 }, () => {
    // Act: `npx cdk synth -c waf=true` without AWS credentials (the CLI hands context to the app in CDK_CONTEXT_JSON)
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'funnel-cdk-bad-'));
    const { CDK_DEFAULT_ACCOUNT: _, ...env } = process.env;
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      encoding: 'utf8',
      env: { ...env, CDK_CONTEXT_JSON: JSON.stringify({ waf: 'true' }), CDK_OUTDIR: outdir },
    });
    fs.rmSync(outdir, { recursive: true, force: true });

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Funnel: Invalid CDK context "waf" = true: the target account and region, .*CDK_DEFAULT_ACCOUNT/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('sets every feature flag a new CDK app gets', () => {
    const recommended = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const { app } = buildApp(rawConfig, {
      appProps: { context: TEST_SYNTH },
      widgetDirectory: FIXTURE_WIDGET,
      consoleDirectory: FIXTURE_CONSOLE,
    });
    // One deliberate exception, set in buildApp with its reason: strong cross-stack references.
    const overridden = new Set(['@aws-cdk/core:defaultCrossStackReferences']);
    for (const [flag, value] of Object.entries(recommended)) if (!overridden.has(flag)) expect(app.node.tryGetContext(flag), flag).toEqual(value);
    expect(Object.keys(recommended).length).toBeGreaterThan(80);
  });

  it('builds from a config with no deployed site, and names the demo site as local only', () => {
    const { localOnlySites, stateful, senders } = buildApp(rawConfig, {
      appProps: { context: TEST_SYNTH },
      widgetDirectory: FIXTURE_WIDGET,
      consoleDirectory: FIXTURE_CONSOLE,
    });
    expect(localOnlySites).toEqual(['demo']);
    expect(stateful.senderIdentities).toEqual({});
    expect(senders).toEqual({ create: [], existing: [] });
  });
});
