import type { SiteInput } from '../../functions/core/config.js';

/**
 * The demo site `npm start` serves at /demo: an ebook, a free trial, a newsletter popup and a pricing-guide
 * bar, their emails, a webhook to the local inspector and scoring rules. It is written for the demo pages
 * beside this file (their form ids and paths), and it is the tests' fixture site too; the shipped
 * `config/funnel.config.ts` includes it locally. Copy from it freely when writing your own site.
 */
export function demoSite(baseUrl: string): SiteInput {
  return {
    id: 'demo',
    name: 'Demo Blog',
    // Pages allowed to embed this site's forms: here the local funnel's own demo pages.
    allowedOrigins: [baseUrl],
    // Who the emails come from (an SES-verified identity when deployed), the postal address every email's
    // footer carries (anti-spam law), the time zone of send windows when a lead's is unknown, and at most
    // how many emails one lead gets a day across all sequences.
    email: {
      from: 'Acme <hello@acme.example>',
      replyTo: 'team@acme.example',
      postalAddress: 'Acme Inc., 548 Market St, San Francisco, CA 94104, USA',
      timeZone: 'America/New_York',
      maxPerDay: 2,
      sendRatePerSecond: 10,
    },
    forms: [
      {
        id: 'ebook',
        kind: 'gated-content',
        title: 'Get the ebook: The Serverless Funnel Playbook',
        description: 'Forty pages on turning blog readers into qualified pipeline. Free, in your inbox.',
        submitLabel: 'Get the ebook',
        fields: [
          { name: 'email', label: 'Work email', required: true, placeholder: 'you@company.com' },
          { name: 'firstName', label: 'First name' },
          { name: 'company', label: 'Company' },
          { name: 'jobTitle', label: 'Job title' },
        ],
        consent: {
          marketing: {
            text: 'Send me the occasional email about new guides and product news. Unsubscribe at any time.',
            version: '2026-11-01',
          },
        },
        leadMagnet: {
          title: 'The Serverless Funnel Playbook',
          format: 'ebook',
          url: `${baseUrl}/demo/assets/serverless-funnel-playbook.pdf`,
        },
        successMessage: 'Thanks! Your ebook is ready.',
        email: {
          // Sent at once. Merge fields: {{ firstName | default: "there" }}, {{ leadMagnetUrl }}, … (see README).
          delivery: {
            subject: 'Your copy of {{ leadMagnetTitle }}',
            html: '<p>Hi {{ firstName | default: "there" }},</p><p>Here is your ebook: <a href="{{ leadMagnetUrl }}">{{ leadMagnetTitle }}</a>.</p><p>Happy reading,<br>The Acme team</p>',
            text: 'Hi {{ firstName | default: "there" }},\n\nHere is your ebook, {{ leadMagnetTitle }}:\n{{ leadMagnetUrl }}\n\nHappy reading,\nThe Acme team',
          },
          // Only for readers who ticked the consent box. Ends when they start a trial or become sales-ready.
          sequence: {
            id: 'ebook-nurture',
            window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 9, to: 17 } },
            steps: [
              {
                id: 'three-ideas',
                delay: { days: 2 },
                subject: 'Three ideas from the playbook you can use this week',
                html: '<p>Hi {{ firstName | default: "there" }},</p><p>Chapter 2 of the playbook has the three changes that moved our numbers most. Start with the first: ask at the moment of intent.</p>',
                text: 'Hi {{ firstName | default: "there" }},\n\nChapter 2 of the playbook has the three changes that moved our numbers most. Start with the first: ask at the moment of intent.',
              },
              {
                id: 'case-study',
                delay: { days: 3 },
                subject: 'How {{ company | default: "teams like yours" }} could double trial sign-ups',
                html: `<p>Hi {{ firstName | default: "there" }},</p><p>We wrote up exactly how we doubled our trial sign-ups, numbers included.</p><p><a href="${baseUrl}/pricing">See the plans</a></p>`,
                text: `Hi {{ firstName | default: "there" }},\n\nWe wrote up exactly how we doubled our trial sign-ups, numbers included.\n\nSee the plans: ${baseUrl}/pricing`,
              },
              {
                id: 'walkthrough',
                delay: { days: 4 },
                subject: 'Want a 20-minute walkthrough?',
                html: '<p>Hi {{ firstName | default: "there" }},</p><p>Reply to this email and we will find a time.</p>',
                text: 'Hi {{ firstName | default: "there" }},\n\nReply to this email and we will find a time.',
              },
            ],
            exit: { stages: ['sql'], formsSubmitted: ['trial'] },
          },
        },
      },
      {
        id: 'trial',
        kind: 'free-trial',
        title: 'Start your 14-day free trial',
        submitLabel: 'Start free trial',
        // A panel in the bottom corner once the reader is halfway down the post. The demo shows it on every
        // visit (`days: 0`); a real site would rather keep the default, at most once a week.
        display: { mode: 'slide-in', trigger: { scrollPercent: 50 }, cap: { days: 0 } },
        fields: [
          { name: 'email', label: 'Work email', required: true },
          { name: 'firstName', label: 'First name', required: true },
          { name: 'lastName', label: 'Last name' },
          { name: 'company', label: 'Company', required: true },
          { name: 'companySize', label: 'Company size' },
        ],
        consent: {
          marketing: {
            text: 'Email me tips for getting the most out of my trial. Unsubscribe at any time.',
            version: '2026-11-01',
          },
        },
        trialUrl: `${baseUrl}/demo/welcome`,
        successMessage: 'Your trial workspace is ready.',
        email: {
          delivery: {
            subject: 'Your Acme trial is ready',
            html: '<p>Hi {{ firstName | default: "there" }},</p><p>Your 14-day trial workspace is ready: <a href="{{ trialUrl }}">open it</a>.</p>',
            text: 'Hi {{ firstName | default: "there" }},\n\nYour 14-day trial workspace is ready: {{ trialUrl }}',
          },
          sequence: {
            id: 'trial-onboarding',
            steps: [
              {
                id: 'first-dashboard',
                delay: { days: 1 },
                window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 9, to: 18 } },
                subject: 'Your first dashboard in five minutes',
                html: '<p>Hi {{ firstName | default: "there" }},</p><p>Connect a data source and publish your first dashboard: <a href="{{ trialUrl }}">pick up where you left off</a>.</p>',
                text: 'Hi {{ firstName | default: "there" }},\n\nConnect a data source and publish your first dashboard: {{ trialUrl }}',
              },
              {
                id: 'invite-team',
                delay: { days: 3 },
                window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { from: 9, to: 18 } },
                subject: 'Dashboards are better shared',
                html: '<p>Hi {{ firstName | default: "there" }},</p><p>Invite a teammate to {{ company | default: "your workspace" }}: it takes one click.</p>',
                text: 'Hi {{ firstName | default: "there" }},\n\nInvite a teammate to {{ company | default: "your workspace" }}: it takes one click.',
              },
            ],
            exit: { stages: ['sql'] },
          },
        },
      },
      {
        // A popup when the pointer leaves for the address bar (exit intent, desktop), or on a click of any
        // element with data-funnel-open="newsletter"; at most once a day, never again after a sign-up.
        id: 'newsletter',
        kind: 'gated-content',
        title: 'Before you go: one funnel teardown a week',
        description: 'A real funnel taken apart every Tuesday. This week: a developer-tools blog.',
        submitLabel: 'Send me the teardowns',
        fields: [{ name: 'email', label: 'Email', required: true }],
        consent: {
          marketing: { text: 'Email me the weekly teardown. Unsubscribe at any time.', version: '2026-12-01', required: true },
        },
        leadMagnet: { title: "This week's teardown", format: 'report', url: `${baseUrl}/demo/assets/funnel-teardown.html` },
        successMessage: 'You are in. Here is this week’s teardown.',
        display: { mode: 'popup', trigger: { exitIntent: true }, cap: { days: 1 } },
        // Colours from the config; the page's own --funnel-* properties would win over them.
        theme: { accent: '#0f766e', radius: 14, dark: { accent: '#5eead4', accentText: '#042f2e' } },
      },
      {
        // A bar along the bottom of the pricing page, three seconds after it opened.
        id: 'pricing-guide',
        kind: 'gated-content',
        title: 'Comparing plans? Get the pricing guide',
        submitLabel: 'Email me the guide',
        fields: [{ name: 'email', label: 'Work email', required: true }],
        leadMagnet: { title: 'The pricing guide', format: 'white-paper', url: `${baseUrl}/demo/assets/pricing-guide.html` },
        display: { mode: 'bar', position: 'bottom', trigger: { afterSeconds: 3 }, cap: { days: 0 } },
        strings: { close: 'Not now' },
      },
    ],
    // Sales hand-off: signed webhooks (Standard Webhooks) to your CRM or sales tool. Secrets are not here:
    // Secrets Manager on AWS, .data/webhook-secrets.json locally (`npm run webhooks -- secret demo/crm`).
    // This endpoint is the local funnel's demo receiver: see what it got at <local URL>/webhooks.
    webhooks: [
      {
        id: 'crm',
        url: `${baseUrl}/demo/webhooks/crm`,
        events: ['lead.qualified', 'prospect.ready', 'lead.unsubscribed'],
        description: 'Demo CRM (the local inspector)',
      },
    ],
    // The same hand-off, into the tools sales already use (docs/hand-off.md). Credentials are not here:
    // Secrets Manager on AWS. Locally each goes to its vendor's validating mock (see <local URL>/webhooks),
    // or with FUNNEL_DESTINATIONS=live to the vendor, with .data/destination-secrets.json.
    destinations: [
      {
        id: 'hubspot',
        kind: 'hubspot',
        events: ['lead.qualified', 'prospect.ready'],
        // Contact properties you create in HubSpot (Settings → Properties) → what Funnel knows.
        fields: {
          lifecyclestage: 'stage',
          funnel_score: 'score.total',
          funnel_score_explanation: 'score.explanation',
          funnel_console_link: 'consoleLink',
          funnel_utm_campaign: 'source.utm.campaign',
        },
        note: { uniqueProperty: 'funnel_note_id' },
      },
      {
        id: 'salesforce',
        kind: 'salesforce',
        events: ['prospect.ready'],
        instanceUrl: 'https://demo.my.salesforce.com',
        auth: 'client_credentials',
        externalIdField: 'Funnel_Lead_Id__c',
        task: { externalIdField: 'Funnel_Delivery_Id__c' },
      },
      { id: 'pipedrive', kind: 'pipedrive', events: ['prospect.ready'] },
      { id: 'sales-channel', kind: 'slack', events: ['prospect.ready'], description: 'The #sales channel' },
    ],
    // Lead scoring. Fit: who the lead is (once per rule). Engagement: what it did (per event; `cap` bounds a
    // rule's total, `halfLifeDays` halves each event's points that often). A lead becomes MQL, then SQL
    // (a sales-ready prospect), when its total (and fit) reach the thresholds. Bump `version` when you
    // change a rule, then `npm run rescore -- --site demo --dry-run` to see what would move.
    scoring: {
      version: '2026-11-01',
      fit: [
        { id: 'exec', label: 'C-level or VP', points: 20, when: { field: 'jobTitle', seniority: ['c-level', 'vp'] } },
        { id: 'director-manager', label: 'Director or manager', points: 10, when: { field: 'jobTitle', seniority: ['director', 'manager'] } },
        { id: 'mid-market', label: 'Company of 51–1000 people', points: 15, when: { field: 'companySize', in: ['51-200', '201-1000'] } },
        { id: 'enterprise', label: 'Company of over 1000 people', points: 10, when: { field: 'companySize', in: ['1001-5000', '5001+'] } },
        { id: 'business-email', label: 'Business email address', points: 10, when: { field: 'email', domainType: ['business'] } },
        { id: 'disposable-email', label: 'Disposable email address', points: -30, when: { field: 'email', domainType: ['disposable'] } },
        { id: 'marketing-role', label: 'Works in marketing', points: 5, when: { field: 'jobTitle', matches: '\\b(marketing|growth|demand gen)\\b' } },
      ],
      engagement: [
        { id: 'trial-signup', label: 'Signed up for a free trial', points: 30, when: { event: 'form_submitted', formKind: 'free-trial' } },
        {
          id: 'content-download',
          label: 'Downloaded gated content',
          points: 10,
          cap: 30,
          halfLifeDays: 60,
          when: { event: 'form_submitted', formKind: 'gated-content' },
        },
        { id: 'pricing-visit', label: 'Viewed the pricing page', points: 8, cap: 24, halfLifeDays: 14, when: { event: 'page_viewed', path: '/pricing' } },
        { id: 'docs-reading', label: 'Read the documentation', points: 2, cap: 10, halfLifeDays: 30, when: { event: 'page_viewed', path: '/docs/**' } },
        { id: 'nurture-click', label: 'Clicked a nurture email', points: 5, cap: 15, halfLifeDays: 30, when: { event: 'email_clicked' } },
      ],
      thresholds: { mql: { score: 40, fit: 15 }, sql: { score: 80, fit: 25 } },
      regression: 'never',
    },
  };
}
