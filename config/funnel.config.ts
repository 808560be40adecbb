import { defineConfig } from '../functions/core/config.js';

/**
 * Your Funnel configuration. Edit, commit, deploy. Validated at `npm start` and at `cdk synth`:
 * a mistake fails fast with the path of the bad value. Secrets (API keys, signing secrets) never go here.
 */
export default defineConfig({
  sites: [
    {
      id: 'demo',
      name: 'Demo Blog',
      // Pages allowed to embed this site's forms. Add your blog's origin, e.g. 'https://blog.example.com'.
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
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
            url: 'http://localhost:3000/demo/assets/serverless-funnel-playbook.pdf',
          },
          successMessage: 'Thanks! Your ebook is ready.',
        },
        {
          id: 'trial',
          kind: 'free-trial',
          title: 'Start your 14-day free trial',
          submitLabel: 'Start free trial',
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
          trialUrl: 'http://localhost:3000/demo/welcome',
          successMessage: 'Your trial workspace is ready.',
        },
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
          { id: 'content-download', label: 'Downloaded gated content', points: 10, cap: 30, halfLifeDays: 60, when: { event: 'form_submitted', formKind: 'gated-content' } },
          { id: 'pricing-visit', label: 'Viewed the pricing page', points: 8, cap: 24, halfLifeDays: 14, when: { event: 'page_viewed', path: '/pricing' } },
          { id: 'docs-reading', label: 'Read the documentation', points: 2, cap: 10, halfLifeDays: 30, when: { event: 'page_viewed', path: '/docs/**' } },
          { id: 'nurture-click', label: 'Clicked a nurture email', points: 5, cap: 15, halfLifeDays: 30, when: { event: 'email_clicked' } },
        ],
        thresholds: { mql: { score: 40, fit: 15 }, sql: { score: 80, fit: 25 } },
        regression: 'never',
      },
    },
  ],
});
