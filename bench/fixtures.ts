import { keys } from '../functions/adapters/dynamo/keys.js';
import { TABLE } from '../functions/adapters/dynamo/table.js';
import { defineScoringRules } from '../functions/core/scoring/index.js';

/** A stored lead item as capture writes it (its GSI1 keys included), for the benchmarks that seed leads. */
export const storedLead = (siteId: string, emailKey: string, leadId: string, attributes: Record<string, unknown>) => ({
  ...keys.lead(siteId, emailKey),
  [TABLE.gsi1.partitionKey]: keys.leadById(leadId).GSI1PK,
  [TABLE.gsi1.sortKey]: keys.leadById(leadId).GSI1SK,
  entity: 'lead',
  leadId,
  siteId,
  ...attributes,
});

/** Thirty rules of every kind, shaped like a real site's: what the benchmark scores with. */
export const REALISTIC_30_RULES = defineScoringRules({
  version: '2026-11-01-bench',
  fit: [
    { id: 'c-level', label: 'C-level', points: 25, when: { field: 'jobTitle', seniority: ['c-level'] } },
    { id: 'vp', label: 'VP or head of', points: 20, when: { field: 'jobTitle', seniority: ['vp'] } },
    { id: 'director', label: 'Director', points: 15, when: { field: 'jobTitle', seniority: ['director'] } },
    { id: 'manager', label: 'Manager or lead', points: 8, when: { field: 'jobTitle', seniority: ['manager'] } },
    { id: 'small-co', label: 'Company of 11–50', points: 5, when: { field: 'companySize', in: ['11-50'] } },
    { id: 'mid-market', label: 'Company of 51–1000', points: 15, when: { field: 'companySize', in: ['51-200', '201-1000'] } },
    { id: 'enterprise', label: 'Company of 1000+', points: 10, when: { field: 'companySize', in: ['1001-5000', '5001+'] } },
    { id: 'business-email', label: 'Business email', points: 10, when: { field: 'email', domainType: ['business'] } },
    { id: 'free-email', label: 'Free webmail', points: -5, when: { field: 'email', domainType: ['free'] } },
    { id: 'disposable-email', label: 'Disposable email', points: -40, when: { field: 'email', domainType: ['disposable'] } },
    { id: 'target-country', label: 'Target country', points: 5, when: { field: 'country', in: ['US', 'GB', 'DE', 'FR', 'NL', 'CA'] } },
    { id: 'marketing-role', label: 'Marketing role', points: 5, when: { field: 'jobTitle', matches: '\\b(marketing|growth|demand gen)\\b' } },
    { id: 'engineering-role', label: 'Engineering role', points: 3, when: { field: 'jobTitle', matches: '\\b(engineer|developer|cto|architect)\\b' } },
    { id: 'student', label: 'Student', points: -20, when: { field: 'jobTitle', matches: '\\b(student|intern)\\b' } },
    { id: 'has-phone', label: 'Left a phone number', points: 5, when: { field: 'phone', matches: '\\d{6,}' } },
    { id: 'competitor', label: 'Works at a competitor', points: -50, when: { field: 'company', equals: 'Rival Inc' } },
  ],
  engagement: [
    { id: 'trial-signup', label: 'Free trial sign-up', points: 30, when: { event: 'form_submitted', formKind: 'free-trial' } },
    { id: 'demo-request', label: 'Requested a demo', points: 40, when: { event: 'form_submitted', formId: 'demo' } },
    {
      id: 'content-download',
      label: 'Gated content download',
      points: 10,
      cap: 30,
      halfLifeDays: 60,
      when: { event: 'form_submitted', formKind: 'gated-content' },
    },
    { id: 'pricing-visit', label: 'Pricing page', points: 8, cap: 24, halfLifeDays: 14, when: { event: 'page_viewed', path: '/pricing' } },
    { id: 'docs-reading', label: 'Documentation', points: 2, cap: 10, halfLifeDays: 30, when: { event: 'page_viewed', path: '/docs/**' } },
    { id: 'blog-reading', label: 'Blog posts', points: 1, cap: 10, halfLifeDays: 30, when: { event: 'page_viewed', path: '/blog/*' } },
    { id: 'case-study', label: 'Case studies', points: 4, cap: 12, halfLifeDays: 45, when: { event: 'page_viewed', path: '/customers/**' } },
    { id: 'integrations', label: 'Integrations pages', points: 3, cap: 9, halfLifeDays: 30, when: { event: 'page_viewed', path: '/integrations/*' } },
    { id: 'careers', label: 'Careers page (job seeker)', points: -10, cap: 20, when: { event: 'page_viewed', path: '/careers/**' } },
    { id: 'security', label: 'Security page', points: 6, cap: 12, halfLifeDays: 30, when: { event: 'page_viewed', path: '/security' } },
    { id: 'email-open', label: 'Opened an email', points: 1, cap: 5, halfLifeDays: 14, when: { event: 'email_opened' } },
    { id: 'email-click', label: 'Clicked an email', points: 5, cap: 15, halfLifeDays: 30, when: { event: 'email_clicked' } },
    {
      id: 'onboarding-click',
      label: 'Clicked an onboarding email',
      points: 5,
      cap: 10,
      halfLifeDays: 21,
      when: { event: 'email_clicked', sequenceId: 'onboarding' },
    },
    { id: 'compare-pages', label: 'Comparison pages', points: 5, cap: 15, halfLifeDays: 21, when: { event: 'page_viewed', path: '/compare/*' } },
  ],
  thresholds: { mql: { score: 50, fit: 15 }, sql: { score: 100, fit: 25 } },
  regression: 'to-lead-below-mql',
});
