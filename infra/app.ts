/** CDK entry point (`cdk.json` runs it with tsx). Parameters: see `readSettings` in funnel-app.ts. */
import rawConfig from '../config/funnel.config.js';
import { writeWidgetBundle } from '../widget/build.js';
import { buildApp } from './funnel-app.js';

// The widget function serves this file; build it fresh so a deploy always ships the current widget.
await writeWidgetBundle();
buildApp(rawConfig).app.synth();
