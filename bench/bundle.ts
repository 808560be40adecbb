import { build, type Metafile } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Bundle {
  bytes: number;
  gzip: number;
  /** npm packages in the bundle. */
  packages: Set<string>;
  /** This repository's source files in the bundle, relative to its root. */
  files: Set<string>;
}

/**
 * Bundle an entry as the CDK stack bundles a function (esbuild, ESM, minified, node24, the AWS SDK bundled,
 * `module` before `main`), write it to `out`, and say what it weighs and which packages are in it.
 */
export async function bundleLikeLambda(entry: string, out: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    metafile: true,
    nodePaths: [join(process.cwd(), 'node_modules')],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  const code = readFileSync(out);
  return { bytes: code.length, gzip: gzipSync(code).length, packages: packagesOf(result.metafile), files: filesOf(result.metafile) };
}

const packagesOf = (meta: Metafile): Set<string> =>
  new Set(Object.keys(meta.inputs).flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? []));

/** Files with code in the output: esbuild lists tree-shaken inputs too, with no bytes. */
const filesOf = (meta: Metafile): Set<string> =>
  new Set(
    Object.values(meta.outputs).flatMap((output) =>
      Object.entries(output.inputs).flatMap(([file, { bytesInOutput }]) => (bytesInOutput > 0 && !file.includes('node_modules/') ? [file] : [])),
    ),
  );

/** The cold-start baseline: a function that carries the DynamoDB client and nothing else. */
export function bundleBaseline(dir: string): Promise<Bundle> {
  writeFileSync(
    join(dir, 'baseline.ts'),
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({ region: 'us-east-1' });\nexport const handler = async () => ({ statusCode: 200 });\n",
  );
  return bundleLikeLambda(join(dir, 'baseline.ts'), join(dir, 'baseline.mjs'));
}
