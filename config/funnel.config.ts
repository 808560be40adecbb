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
    },
  ],
});
