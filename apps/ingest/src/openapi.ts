/** The OpenAPI 3.1 document of the ingest API, served at /openapi.json. */
const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'lgsp-hub ingest API',
    version: '1.0.0',
    description:
      'Agency systems publish CloudEvents 1.0 over HTTP: structured (application/cloudevents+json), binary ' +
      '(application/json body with ce-* headers) or batch (application/cloudevents-batch+json). A 2xx is sent ' +
      'only after Kafka acknowledged the write (acks=all). Re-sending the same source+id returns the original result.',
  },
  components: {
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
    schemas: {
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details with a stable code',
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          code: { type: 'string', examples: ['LGSP_ERR_SCHEMA_INVALID'] },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: { pointer: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
      Accepted: {
        type: 'object',
        required: ['id', 'source', 'type', 'status', 'duplicate', 'topic', 'partition', 'offset'],
        properties: {
          id: { type: 'string' },
          source: { type: 'string' },
          type: { type: 'string' },
          status: { type: 'integer', enum: [200, 202] },
          duplicate: { type: 'boolean' },
          topic: { type: 'string' },
          partition: { type: 'integer' },
          offset: { type: 'string' },
        },
      },
      CloudEvent: {
        type: 'object',
        required: ['specversion', 'id', 'source', 'type', 'data'],
        properties: {
          specversion: { const: '1.0' },
          id: { type: 'string' },
          source: { type: 'string', examples: ['/000.00.01.H22/igate'] },
          type: { type: 'string', examples: ['vn.lgsp.dossier.submitted.v1'] },
          subject: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          datacontenttype: { type: 'string' },
          data: { type: 'object', description: 'validated against schemas/<domain>/<name>.v<N>.json' },
        },
      },
    },
  },
  security: [{ apiKey: [] }],
  paths: {
    '/events': {
      post: {
        summary: 'Publish one event or a batch',
        requestBody: {
          required: true,
          content: {
            'application/cloudevents+json': { schema: { $ref: '#/components/schemas/CloudEvent' } },
            'application/cloudevents-batch+json': {
              schema: { type: 'array', items: { $ref: '#/components/schemas/CloudEvent' } },
            },
            'application/json': {
              schema: { type: 'object' },
              description: 'binary mode: attributes in ce-* headers',
            },
          },
        },
        responses: {
          '202': {
            description: 'Accepted: written to Kafka',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
          },
          '200': {
            description:
              'Duplicate of an accepted event (same source and id), or a batch whose events were all accepted',
          },
          '207': { description: 'Batch with a result per event, some of them problems' },
          '400': problemResponse('Malformed JSON or invalid CloudEvents attributes'),
          '401': problemResponse('No valid API key'),
          '403': problemResponse('Not granted this type or source'),
          '409': problemResponse('Same source and id with other content, or being published right now'),
          '413': problemResponse('Body too large'),
          '415': problemResponse('Unsupported content type'),
          '422': problemResponse('Unknown type or schema violations, every failing JSON pointer listed'),
          '503': problemResponse('Kafka unavailable; retry after the Retry-After header'),
        },
      },
    },
    '/health/live': {
      get: { summary: 'Liveness', security: [], responses: { '200': { description: 'up' } } },
    },
    '/health/ready': {
      get: {
        summary: 'Readiness (Kafka and database)',
        security: [],
        responses: { '200': { description: 'up' }, '503': { description: 'down' } },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        security: [],
        responses: { '200': { description: 'text format' } },
      },
    },
  },
} as const;
