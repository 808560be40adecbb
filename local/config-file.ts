import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The config module the local funnel and the CLIs run: `config/funnel.config.ts`, or the module that
 * FUNNEL_CONFIG names (a path from the working folder; the tests point it at their own fixture). Its
 * default export, not yet validated: `parseConfig` does that with the environment it runs in.
 */
export async function loadConfigFile(env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const path = env.FUNNEL_CONFIG;
  const module = (path ? await import(pathToFileURL(resolve(path)).href) : await import('../config/funnel.config.js')) as { default?: unknown };
  if (module.default === undefined) throw new Error(`${path ?? 'config/funnel.config.ts'} has no default export (export default defineConfig(…))`);
  return module.default;
}

/** How the CLIs name the config file in their messages. */
export const configFileName = (env: NodeJS.ProcessEnv = process.env) => env.FUNNEL_CONFIG || 'config/funnel.config.ts';
