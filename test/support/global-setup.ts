import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoLocal } from '../../local/dynamo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * One DynamoDB Local (in memory) for the run; every integration test file creates its own table in it.
 * Every temporary folder of the run (the tests' own, the funnels and CLIs they start, CDK's) goes in one
 * folder of its own, removed at the end: the workers and what they start inherit TMPDIR, which os.tmpdir()
 * reads. A run left 20 MB and more behind before, until the disk was full.
 */
export default async function setup(project: TestProject) {
  const runTmp = mkdtempSync(join(tmpdir(), 'funnel-test-'));
  process.env.TMPDIR = runTmp;
  const dynamo = await startDynamoLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
    rmSync(runTmp, { recursive: true, force: true });
  };
}
