import { fileURLToPath } from 'node:url';
import { findRunning } from '../local/instance.js';
import type { LocalEmail } from '../local/ses.js';
import { CliError, dataDirOf, parseCli, runCli } from './cli.js';

export const USAGE = `Usage: npm run mail -- list [--to <address>]
       npm run mail -- show <messageId>
       npm run mail -- unsubscribe <messageId>

The emails the running local funnel sent (the SES emulator behind the mail viewer), with what the viewer
does not show: \`show\` prints an email's headers (List-Unsubscribe, List-Unsubscribe-Post) and its text;
\`unsubscribe\` does what a mail client's unsubscribe button does (RFC 8058: a POST of
"List-Unsubscribe=One-Click" to the List-Unsubscribe URL) and prints the answer.`;

/** The whole command; returns the exit code. */
export async function main(argv: string[], out = console.log, err = console.error, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { positionals, values } = parseCli(
    { args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, to: { type: 'string' } } },
    USAGE,
  );
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, id] = positionals;
  if (command !== 'list' && !((command === 'show' || command === 'unsubscribe') && id)) {
    err(
      command === 'show' || command === 'unsubscribe'
        ? `${command} needs a message id (see \`list\`).\n\n${USAGE}`
        : command
          ? `Unknown command "${command}".\n\n${USAGE}`
          : USAGE,
    );
    return 1;
  }
  const dataDir = dataDirOf(env);
  const viewer = findRunning(dataDir)?.mailViewerUrl;
  if (!viewer) throw new CliError(`No local funnel is running on ${dataDir}: start it with \`npm start\` (FUNNEL_DATA_DIR if it uses another folder).`);
  const { emails } = (await (await fetch(`${viewer}/store`)).json()) as { emails: LocalEmail[] };
  if (command === 'list') {
    const to = values.to?.toLowerCase();
    out('| message id | sent | to | subject |');
    out('|---|---|---|---|');
    for (const e of emails.filter((m) => !to || m.destination.to.some((a) => a.toLowerCase().includes(to))))
      out(`| ${e.messageId} | ${new Date(e.at * 1000).toISOString()} | ${e.destination.to.join(', ')} | ${e.subject} |`);
    return 0;
  }
  const email = emails.find((e) => e.messageId === id);
  if (!email) throw new CliError(`No email "${id}" in the mail viewer (${emails.length} there; see \`npm run mail -- list\`).`);
  const header = (name: string) => email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
  if (command === 'show') {
    out(`From: ${email.from}\nTo: ${email.destination.to.join(', ')}\nSubject: ${email.subject}`);
    for (const h of email.headers ?? []) out(`${h.name}: ${h.value}`);
    out(`\n${email.body.text ?? '(no text part)'}`);
    return 0;
  }
  const url = /<(https?:[^>]+)>/.exec(header('List-Unsubscribe') ?? '')?.[1];
  if (!url || header('List-Unsubscribe-Post') !== 'List-Unsubscribe=One-Click')
    throw new CliError(`Email "${id}" has no one-click unsubscribe (RFC 8058 headers).`);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  out(`POST ${url.replace(/token=[^&]+/, 'token=…')} (List-Unsubscribe=One-Click): ${res.status} ${res.statusText}`);
  return res.ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runCli(() => main(process.argv.slice(2)));
