/** CDK entry point (`cdk.json` runs it with tsx). Parameters: see `readSettings` in funnel-app.ts. */
import rawConfig from '../config/funnel.config.js';
import { writeWidget } from '../widget/build.js';
import { writeConsole } from '../console/build.js';
import { InvalidConfigError } from '../functions/core/config.js';
import { buildApp, InvalidSettingError, UnservedRegionError } from './funnel-app.js';

// The CDN serves these files; build them fresh so a deploy always ships the current widget.
await Promise.all([writeWidget(), writeConsole()]);
const built = (() => {
  try {
    return buildApp(rawConfig);
  } catch (error) {
    // A mistake in the config or a -c value: its message (which names it), not a stack trace.
    if (!(error instanceof InvalidSettingError || error instanceof InvalidConfigError || error instanceof UnservedRegionError)) throw error;
    console.error(`Funnel: ${error.message}`);
    process.exit(1);
  }
})();
const { app, localOnlySites, senders } = built;
// Said on stderr, so `cdk synth > template.yaml` stays a template.
if (localOnlySites.length) console.error(`Funnel: local-only site(s) not deployed (they run under npm start): ${localOnlySites.join(', ')}`);
if (!senders.create.length && !senders.existing.length)
  console.error('Funnel: no site to deploy sends email yet, and no -c senderDomains: the stack has no SES sending identity.');
if (senders.existing.length) console.error(`Funnel: SES identities used as they exist (not created): ${senders.existing.join(', ')}`);
// The web ACL's stack is in us-east-1: that environment needs bootstrapping too, or the deploy fails there.
if (built.firewall)
  console.error(
    `Funnel: -c waf=true deploys to two environments; bootstrap both once: npx cdk bootstrap aws://${built.stateful.account}/${built.stateful.region} aws://${built.firewall.account}/us-east-1`,
  );
app.synth();
