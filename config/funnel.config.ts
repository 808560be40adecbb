import { defineConfig } from '../functions/core/config.js';
import { demoSite } from '../local/demo/site.js';

/**
 * Your Funnel configuration. Edit, commit, deploy. Validated at `npm start`, at `cdk synth` and at each
 * Lambda cold start: a mistake fails fast with the path of the bad value. Secrets (API keys, signing
 * secrets) never go here.
 *
 * The file is a function of where it runs: `env.local` is true under `npm start` (and the local CLIs and
 * tests), with `env.baseUrl` the URL the local funnel runs at (it follows PORT); a deployment (`cdk synth`,
 * Lambda) gets `{ local: false }` and no `baseUrl` at all. So the demo site below exists only locally, its
 * links follow the local port, and nothing local can reach a deployed site: `cdk synth` names the sites it
 * leaves out.
 */
export default defineConfig((env) => ({
  sites: [
    // The demo blog `npm start` serves at /demo: local only. Its forms, emails and scoring rules are in
    // local/demo/site.ts, a worked example of every option to copy from.
    ...(env.local ? [demoSite(env.baseUrl)] : []),
    // Your sites go here, with absolute https URLs, e.g.:
    // { id: 'blog', name: 'Acme Blog', allowedOrigins: ['https://blog.acme.com'], email: { from: 'Acme <hello@acme.com>', … }, forms: [ … ] },
  ],
}));
