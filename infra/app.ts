/** CDK entry point (`cdk.json` runs it with tsx). Parameters: see `readSettings` in funnel-app.ts. */
import rawConfig from '../config/funnel.config.js';
import { buildApp } from './funnel-app.js';

buildApp(rawConfig).app.synth();
