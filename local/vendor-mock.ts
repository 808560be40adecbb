import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { OpenAPIBackend, type Request as ApiRequest } from 'openapi-backend';
import type { OpenAPIV3 } from 'openapi-types';
import type { DestinationKind } from '../functions/core/destinations/config.js';
import { HUBSPOT_OPERATIONS, hubspotApi } from './vendor-apis/hubspot.js';
import { publishedDescriptions } from './vendor-apis/published.js';
import { pipedriveApi } from './vendor-apis/pipedrive.js';
import { salesforceApi } from './vendor-apis/salesforce.js';
import { slackApi } from './vendor-apis/slack.js';

/** What the mock got: each request, whether it matched the vendor's API description, and what it answered. */
export interface MockRequest {
  vendor: DestinationKind;
  at: string;
  method: string;
  path: string;
  body?: unknown;
  valid: boolean;
  /** Why it does not match the vendor's description. */
  problems: string[];
  status: number;
}

/** An answer to give instead of handling a request (a rate limit, an outage), or after handling it (a lost answer). */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Handle the request first (the record is written), then answer this: the vendor did it but the caller never heard. */
  afterHandling?: boolean;
}

export interface VendorMockOptions {
  /** The credentials each vendor accepts. */
  hubspotToken?: string;
  pipedriveToken?: string;
  salesforce?: { clientId: string; clientSecret: string; externalIdField: string; taskExternalIdField?: string; jwtPublicKey?: string; username?: string };
  /** Contact properties that exist in the mock HubSpot account (besides HubSpot's standard ones). */
  hubspotProperties?: readonly string[];
  /** The unique-value note property the mock HubSpot account has. */
  hubspotNoteProperty?: string;
  /** API descriptions in place of the transcriptions (the vendors' published documents, several per vendor). @default from `FUNNEL_VENDOR_API_DIR` when set */
  descriptions?: Partial<Record<DestinationKind, OpenAPIV3.Document[]>>;
}

export const MOCK_CREDENTIALS = {
  hubspotToken: 'pat-mock-hubspot-token',
  pipedriveToken: 'mock-pipedrive-token',
  salesforce: { clientId: 'mock-client', clientSecret: 'mock-secret', externalIdField: 'Funnel_Lead_Id__c', taskExternalIdField: 'Funnel_Delivery_Id__c' },
  hubspotProperties: ['funnel_score', 'funnel_score_explanation', 'funnel_stage', 'funnel_console_link', 'funnel_utm_campaign'],
  hubspotNoteProperty: 'funnel_note_id',
} as const;

const DESCRIPTIONS: Record<DestinationKind, OpenAPIV3.Document> = { hubspot: hubspotApi, salesforce: salesforceApi, pipedrive: pipedriveApi, slack: slackApi };

/** HubSpot's standard contact properties Funnel may set, and the lifecycle stages HubSpot knows. */
const HUBSPOT_STANDARD = ['email', 'firstname', 'lastname', 'company', 'jobtitle', 'phone', 'country', 'lifecyclestage', 'website', 'city'];
const LIFECYCLE_STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * A validating, stateful stand-in for HubSpot, Salesforce, Pipedrive and Slack on one loopback port (each
 * under its own prefix: `/hubspot`, `/salesforce`, `/pipedrive`, `/slack`). Every request is first checked
 * against the vendor's API description (`local/vendor-apis/`, with openapi-backend: path, method,
 * parameters, body) and refused with a 400 naming the problems when it does not match; then it is handled
 * as the vendor would, keeping records, so a test can see that a retried or replayed delivery made no
 * second record. Answers can be scripted (429s, 5xx, an expired session, an answer lost after the work
 * was done). `npm start` runs one; the webhook inspector shows what it received.
 */
export class VendorMock {
  readonly received: MockRequest[] = [];
  readonly hubspot = {
    contacts: new Map<string, { id: string; properties: Record<string, string> }>(),
    notes: new Map<string, { id: string; properties: Record<string, string> }>(),
    associations: new Set<string>(),
  };
  readonly salesforce = {
    leads: new Map<string, { Id: string; fields: Record<string, unknown> }>(),
    tasks: new Map<string, { Id: string; fields: Record<string, unknown> }>(),
    tokens: new Set<string>(),
    tokenRequests: 0,
  };
  readonly pipedrive = {
    persons: new Map<number, { id: number; name: string; emails: { value: string }[]; [k: string]: unknown }>(),
    leads: new Map<string, { id: string; title: string; person_id: number; origin_id?: string | null }>(),
  };
  readonly slack = { messages: [] as { hook: string; body: unknown }[] };

  private readonly apis = new Map<DestinationKind, OpenAPIBackend[]>();
  private readonly script = new Map<DestinationKind, (ScriptedAnswer | 'pass')[]>();
  private readonly options: Required<Omit<VendorMockOptions, 'salesforce' | 'descriptions'>> & { salesforce: NonNullable<VendorMockOptions['salesforce']> };
  /** Which description each vendor's requests are checked against: `published` (the vendor's own document) or `transcribed`. */
  readonly checkedAgainst: Record<DestinationKind, 'published' | 'transcribed'>;
  private readonly descriptions: Record<DestinationKind, OpenAPIV3.Document[]>;
  private nextId = 1000;
  private server?: ReturnType<typeof createServer>;
  url = '';

  constructor(options: VendorMockOptions = {}) {
    this.options = {
      hubspotToken: options.hubspotToken ?? MOCK_CREDENTIALS.hubspotToken,
      pipedriveToken: options.pipedriveToken ?? MOCK_CREDENTIALS.pipedriveToken,
      salesforce: options.salesforce ?? { ...MOCK_CREDENTIALS.salesforce },
      hubspotProperties: options.hubspotProperties ?? MOCK_CREDENTIALS.hubspotProperties,
      hubspotNoteProperty: options.hubspotNoteProperty ?? MOCK_CREDENTIALS.hubspotNoteProperty,
    };
    const dir = process.env.FUNNEL_VENDOR_API_DIR;
    const published = options.descriptions ?? (dir ? publishedDescriptions(dir) : {});
    this.descriptions = {
      ...(Object.fromEntries(Object.entries(DESCRIPTIONS).map(([k, d]) => [k, [d]])) as Record<DestinationKind, OpenAPIV3.Document[]>),
      ...published,
    };
    this.checkedAgainst = Object.fromEntries(Object.keys(DESCRIPTIONS).map((k) => [k, k in published ? 'published' : 'transcribed'])) as Record<
      DestinationKind,
      'published' | 'transcribed'
    >;
  }

  /** Listen on a free loopback port. */
  async start(port = 0): Promise<this> {
    for (const [kind, definitions] of Object.entries(this.descriptions) as [DestinationKind, OpenAPIV3.Document[]][]) {
      const published = this.checkedAgainst[kind] === 'published';
      const apis: OpenAPIBackend[] = [];
      for (const definition of definitions) {
        // openapi-backend dereferences the document in place: each instance gets its own copy. Paths are
        // under the server's path (`/v1`). The transcriptions are checked as OpenAPI first; a vendor's own
        // document is taken as published (HubSpot's put siblings beside `$ref`, which OpenAPI 3.0 does not allow).
        const api = new OpenAPIBackend({
          definition: structuredClone(definition),
          apiRoot: new URL(definition.servers?.[0]?.url ?? 'https://x').pathname.replace(/\/$/, '') || '/',
          quick: published,
          validate: true,
          strict: !published,
          // Formats the vendors use that JSON Schema does not define (`url`, `string`) are not checked.
          ajvOpts: { logger: false },
          customizeAjv: (ajv) => {
            ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
            ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });
            ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
            return ajv;
          },
        });
        await api.init();
        apis.push(api);
      }
      this.apis.set(kind, apis);
    }
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** Each vendor's origin on this mock, for the destination sender's `origins`. */
  origins(): Record<DestinationKind, string> {
    return { hubspot: `${this.url}/hubspot`, salesforce: `${this.url}/salesforce`, pipedrive: `${this.url}/pipedrive`, slack: `${this.url}/slack` };
  }

  /** The next requests to this vendor get these answers, in order (`pass`: that one is handled as usual). */
  answerNext(vendor: DestinationKind, ...answers: (ScriptedAnswer | 'pass')[]): this {
    this.script.set(vendor, [...(this.script.get(vendor) ?? []), ...answers]);
    return this;
  }

  /** Requests that did not match their vendor's API description. */
  invalid(): MockRequest[] {
    return this.received.filter((r) => !r.valid);
  }

  /** Every Salesforce session ends (as after a session timeout): the next call with an old token gets 401 INVALID_SESSION_ID. */
  expireSalesforceSessions(): void {
    this.salesforce.tokens.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock');
    const [, prefix, ...rest] = url.pathname.split('/');
    const vendor = (['hubspot', 'salesforce', 'pipedrive', 'slack'] as const).find((v) => v === prefix);
    const raw = await new Promise<string>((ok) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        data += c;
      });
      req.on('end', () => ok(data));
    });
    if (!vendor) return void send(res, { status: 404, body: { error: 'no such vendor on this mock' } });
    const path = `/${rest.join('/')}`;
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown;
    try {
      body = !raw ? undefined : contentType.includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body !== undefined && { body }),
    };
    const api = this.apis.get(vendor)!.find((a) => a.router.matchOperation(request));
    const operation = api?.router.matchOperation(request);
    const problems: string[] = [];
    if (!api || !operation) problems.push(`${request.method} ${path} is not an operation of ${vendor}'s API description`);
    else {
      const result = api.validator.validateRequest(request, operation);
      for (const e of result.errors ?? [])
        problems.push(`${e.instancePath || '(request)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`.trim());
    }
    const record: MockRequest = {
      vendor,
      at: new Date().toISOString(),
      method: request.method,
      path,
      ...(body !== undefined && { body }),
      valid: !problems.length,
      problems,
      status: 0,
    };
    this.received.push(record);
    if (this.received.length > 500) this.received.shift();
    if (problems.length) {
      record.status = 400;
      return void send(res, { status: 400, body: { mock: `the request does not match ${vendor}'s API description`, problems } });
    }
    const next = this.script.get(vendor)?.shift();
    const scripted = next === 'pass' ? undefined : next;
    if (scripted && !scripted.afterHandling) {
      record.status = scripted.status;
      return void send(res, scripted);
    }
    const answer = await this.answer(vendor, operation!.operationId ?? '', request, body, headers);
    record.status = scripted ? scripted.status : answer.status;
    send(res, scripted ?? answer);
  }

  private async answer(vendor: DestinationKind, operationId: string, request: ApiRequest, body: unknown, headers: Record<string, string>): Promise<Answer> {
    switch (vendor) {
      case 'hubspot':
        return this.hubspotAnswer(
          operationId,
          request,
          body as { inputs?: { id: string; idProperty?: string; properties: Record<string, string> }[]; objectId?: string },
          headers,
        );
      case 'salesforce':
        return this.salesforceAnswer(operationId, request, body, headers);
      case 'pipedrive':
        return this.pipedriveAnswer(operationId, request, body as Record<string, unknown>, headers);
      case 'slack':
        this.slack.messages.push({ hook: request.path, body });
        return { status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } };
    }
  }

  private hubspotAnswer(
    operationId: string,
    request: ApiRequest,
    body: { inputs?: { id: string; idProperty?: string; properties: Record<string, string> }[]; objectId?: string },
    headers: Record<string, string>,
  ): Answer {
    const error = (status: number, category: string, message: string): Answer => ({
      status,
      body: { status: 'error', category, message, correlationId: randomUUID() },
    });
    if (headers.authorization !== `Bearer ${this.options.hubspotToken}`) return error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found.');
    const now = new Date().toISOString();
    if (operationId === HUBSPOT_OPERATIONS.contactsUpsert) {
      const known = new Set([...HUBSPOT_STANDARD, ...this.options.hubspotProperties]);
      for (const input of body.inputs ?? []) {
        if (input.idProperty !== 'email') return error(400, 'VALIDATION_ERROR', `idProperty ${input.idProperty} is not a unique property`);
        const unknown = Object.keys(input.properties).filter((p) => !known.has(p));
        if (unknown.length) return error(400, 'VALIDATION_ERROR', `Property values were not valid: Property "${unknown[0]}" does not exist`);
        if (input.properties.lifecyclestage && !LIFECYCLE_STAGES.includes(input.properties.lifecyclestage))
          return error(400, 'VALIDATION_ERROR', `${input.properties.lifecyclestage} was not one of the allowed options`);
      }
      const results = (body.inputs ?? []).map((input) => {
        const email = input.id.toLowerCase();
        const existing = this.hubspot.contacts.get(email);
        const contact = existing ?? { id: String(this.nextId++), properties: {} };
        contact.properties = { ...contact.properties, ...input.properties, email };
        this.hubspot.contacts.set(email, contact);
        return { id: contact.id, properties: contact.properties, createdAt: now, updatedAt: now, archived: false, new: !existing };
      });
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: now, completedAt: now } };
    }
    if (operationId === HUBSPOT_OPERATIONS.notesUpsert) {
      const results = [];
      for (const input of body.inputs ?? []) {
        if (input.idProperty !== this.options.hubspotNoteProperty)
          return error(400, 'VALIDATION_ERROR', `idProperty ${input.idProperty} is not a unique property of notes`);
        const existing = this.hubspot.notes.get(input.id);
        const note = existing ?? { id: String(this.nextId++), properties: {} };
        note.properties = { ...note.properties, ...input.properties };
        this.hubspot.notes.set(input.id, note);
        results.push({ id: note.id, properties: note.properties, createdAt: now, updatedAt: now, archived: false, new: !existing });
      }
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: now, completedAt: now } };
    }
    if (operationId === HUBSPOT_OPERATIONS.associateDefault) {
      const [, , , , fromType, fromId, , , toType, toId] = request.path.split('/');
      this.hubspot.associations.add(`${fromType}/${fromId}->${toType}/${toId}`);
      return { status: 200, body: { status: 'COMPLETE', results: [{ from: { id: fromId }, to: { id: toId } }], startedAt: now, completedAt: now } };
    }
    if (operationId === HUBSPOT_OPERATIONS.contactsGdprDelete) {
      const contact = this.hubspot.contacts.get(String(body.objectId).toLowerCase());
      if (contact) {
        this.hubspot.contacts.delete(String(body.objectId).toLowerCase());
        // Permanently deleting a contact deletes what is associated with it only: its notes go too.
        for (const link of [...this.hubspot.associations])
          if (link.endsWith(`->contacts/${contact.id}`)) {
            this.hubspot.associations.delete(link);
            const noteId = link.split('->')[0]!.split('/')[1];
            for (const [key, note] of this.hubspot.notes) if (note.id === noteId) this.hubspot.notes.delete(key);
          }
      }
      return { status: 204 };
    }
    return error(404, 'OBJECT_NOT_FOUND', 'not found');
  }

  private async salesforceAnswer(operationId: string, request: ApiRequest, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const sf = this.options.salesforce;
    if (operationId === 'token') return this.salesforceToken(body as Record<string, string>);
    const token = headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.salesforce.tokens.has(token)) return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    if (operationId === 'deleteByExternalId') {
      const [, , , , , sobject, field, value] = request.path.split('/');
      const table = sobject === 'Lead' ? this.salesforce.leads : undefined;
      if (!table || field !== sf.externalIdField || !table.has(decodeURIComponent(value!)))
        return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
      const lead = table.get(decodeURIComponent(value!))!;
      table.delete(decodeURIComponent(value!));
      for (const [key, task] of this.salesforce.tasks) if (task.fields.WhoId === lead.Id) this.salesforce.tasks.delete(key);
      return { status: 204 };
    }
    // composite: all or none, references resolved in order.
    const { allOrNone, compositeRequest } = body as {
      allOrNone?: boolean;
      compositeRequest: { method: string; url: string; referenceId: string; body?: Record<string, unknown> }[];
    };
    const refs = new Map<string, string>();
    const staged: (() => void)[] = [];
    const compositeResponse: { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }[] = [];
    let failed = false;
    for (const sub of compositeRequest) {
      if (failed && allOrNone) {
        compositeResponse.push({
          body: [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId: sub.referenceId,
        });
        continue;
      }
      const outcome = this.salesforceUpsert(sub, refs, staged);
      compositeResponse.push({ ...outcome, httpHeaders: {}, referenceId: sub.referenceId });
      if (outcome.httpStatusCode >= 300) failed = true;
    }
    if (failed && allOrNone) {
      for (const part of compositeResponse)
        if (part.httpStatusCode < 300)
          Object.assign(part, {
            httpStatusCode: 400,
            body: [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }],
          });
    } else for (const apply of staged) apply();
    return { status: 200, body: { compositeResponse } };
  }

  private async salesforceToken(form: Record<string, string>): Promise<Answer> {
    const sf = this.options.salesforce;
    this.salesforce.tokenRequests++;
    const grant = (): Answer => {
      const token = `00Dmock!${randomUUID()}`;
      this.salesforce.tokens.add(token);
      return {
        status: 200,
        body: { access_token: token, instance_url: `${this.url}/salesforce`, token_type: 'Bearer', issued_at: String(Date.now()), id: 'mock' },
      };
    };
    if (form.grant_type === 'client_credentials')
      return form.client_id === sf.clientId && form.client_secret === sf.clientSecret
        ? grant()
        : { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
    // JWT bearer: the assertion must be signed RS256 with the app's key, from the app, for the user, to the login server, unexpired.
    try {
      if (!sf.jwtPublicKey) throw new Error('no key');
      await jwtVerify(form.assertion!, await importSPKI(sf.jwtPublicKey, 'RS256'), {
        algorithms: ['RS256'],
        issuer: sf.clientId,
        subject: sf.username!,
        audience: ['https://login.salesforce.com', 'https://test.salesforce.com'],
      });
      return grant();
    } catch {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'invalid assertion' } };
    }
  }

  /** One composite subrequest: an upsert by external id, staged until the whole request is known to succeed. */
  private salesforceUpsert(
    sub: { method: string; url: string; referenceId: string; body?: Record<string, unknown> },
    refs: Map<string, string>,
    staged: (() => void)[],
  ): { body: unknown; httpStatusCode: number } {
    const sf = this.options.salesforce;
    const match = /^\/services\/data\/v\d+\.0\/sobjects\/(Lead|Task)\/(\w+)\/([^/]+)$/.exec(sub.url);
    if (sub.method !== 'PATCH' || !match) return { httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    const [, sobject, field, value] = match;
    const expected = sobject === 'Lead' ? sf.externalIdField : sf.taskExternalIdField;
    if (field !== expected)
      return { httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND', message: `Provided external ID field does not exist or is not accessible: ${field}` }] };
    const table = sobject === 'Lead' ? this.salesforce.leads : this.salesforce.tasks;
    const key = decodeURIComponent(value!);
    const fields = Object.fromEntries(
      Object.entries(sub.body ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/^@\{(\w+)\.id\}$/, (_, ref: string) => refs.get(ref) ?? v) : v]),
    );
    const existing = table.get(key);
    if (!existing && sobject === 'Lead') {
      const missing = ['LastName', 'Company'].filter((f) => !fields[f]);
      if (missing.length)
        return {
          httpStatusCode: 400,
          body: [{ errorCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing }],
        };
    }
    const Id = existing?.Id ?? `${sobject === 'Lead' ? '00Q' : '00T'}${String(this.nextId++).padStart(15, '0')}`;
    refs.set(sub.referenceId, Id);
    staged.push(() => table.set(key, { Id, fields: { ...existing?.fields, ...fields } }));
    return { httpStatusCode: existing ? 200 : 201, body: { id: Id, success: true, errors: [], created: !existing } };
  }

  private pipedriveAnswer(operationId: string, request: ApiRequest, body: Record<string, unknown>, headers: Record<string, string>): Answer {
    if (headers['x-api-token'] !== this.options.pipedriveToken) return { status: 401, body: { success: false, error: 'unauthorized access', errorCode: 401 } };
    const idOf = () => Number(request.path.split('/').pop());
    switch (operationId) {
      case 'searchPersons': {
        const term = String((request.query as Record<string, string>).term ?? '').toLowerCase();
        const items = [...this.pipedrive.persons.values()]
          .filter((p) => p.emails.some((e) => e.value.toLowerCase() === term))
          .map((p) => ({ result_score: 1, item: { id: p.id, type: 'person', name: p.name, emails: p.emails.map((e) => e.value) } }));
        return { status: 200, body: { success: true, data: { items }, additional_data: { next_cursor: null } } };
      }
      case 'addPerson': {
        const person = { ...body, id: this.nextId++, name: String(body.name ?? ''), emails: (body.emails as { value: string }[]) ?? [] };
        this.pipedrive.persons.set(person.id, person);
        return { status: 200, body: { success: true, data: person } };
      }
      case 'updatePerson': {
        const person = this.pipedrive.persons.get(idOf());
        if (!person) return { status: 404, body: { success: false, error: 'Person not found' } };
        Object.assign(person, body);
        return { status: 200, body: { success: true, data: person } };
      }
      case 'deletePerson': {
        if (!this.pipedrive.persons.delete(idOf())) return { status: 404, body: { success: false, error: 'Person not found' } };
        return { status: 200, body: { success: true, data: { id: idOf() } } };
      }
      case 'getLeads': {
        const personId = Number((request.query as Record<string, string>).person_id);
        const data = [...this.pipedrive.leads.values()].filter((l) => l.person_id === personId);
        return { status: 200, body: { success: true, data: data.length ? data : null } };
      }
      case 'addLead': {
        if (!this.pipedrive.persons.has(Number(body.person_id))) return { status: 400, body: { success: false, error: 'Person not found' } };
        const lead = {
          id: randomUUID(),
          title: String(body.title),
          person_id: Number(body.person_id),
          origin_id: (body.origin_id as string | undefined) ?? null,
        };
        this.pipedrive.leads.set(lead.id, lead);
        return { status: 201, body: { success: true, data: lead } };
      }
      case 'deleteLead': {
        const id = request.path.split('/').pop()!;
        if (!this.pipedrive.leads.delete(id)) return { status: 404, body: { success: false, error: 'Lead not found' } };
        return { status: 200, body: { success: true, data: { id } } };
      }
      default:
        return { status: 404, body: { success: false, error: 'not found' } };
    }
  }
}

function send(res: ServerResponse, answer: Answer | ScriptedAnswer): void {
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
  res.end(text);
}

/** Start a mock on a free port (tests), or on `port`. */
export const startVendorMock = (options: VendorMockOptions = {}, port = 0): Promise<VendorMock> => new VendorMock(options).start(port);
