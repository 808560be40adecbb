import { defineConfig } from '../../functions/core/config.js';
import { demoSite } from '../../local/demo/site.js';

/**
 * The tests' config: the demo site alone, whatever the user's `config/funnel.config.ts` holds. Tests start
 * funnels and CLIs with it (vitest sets FUNNEL_CONFIG to this file), so a user who adds a site keeps a green
 * `npm test`; the shipped config has a test of its own (test/infra/shipped-config.test.ts).
 */
export default defineConfig((env) => ({ sites: env.local ? [demoSite(env.baseUrl)] : [] }));
