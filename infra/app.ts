/** CDK entry point (`cdk.json` runs it with tsx). Parameters: see `readSettings` in funnel-app.ts. */
import rawConfig from '../config/funnel.config.js';
import { writeWidget } from '../widget/build.js';
import { buildApp } from './funnel-app.js';

// The CDN serves these files; build them fresh so a deploy always ships the current widget.
await writeWidget();
const { app, localOnlySites, senders } = buildApp(rawConfig);
// Said on stderr, so `cdk synth > template.yaml` stays a template.
if (localOnlySites.length) console.error(`Funnel: local-only site(s) not deployed (they run under npm start): ${localOnlySites.join(', ')}`);
if (!senders.create.length && !senders.existing.length)
  console.error('Funnel: no site to deploy sends email yet, and no -c senderDomains: the stack has no SES sending identity.');
if (senders.existing.length) console.error(`Funnel: SES identities used as they exist (not created): ${senders.existing.join(', ')}`);
app.synth();
