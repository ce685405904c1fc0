import pkg from '../package.json' with { type: 'json' };
import { accepts, declaredComponents, ErrorComponent, json, named, type Answer, type JsonSchema } from './answers.ts';
import { defineRoute, type Route } from './route.ts';
import { apiScope } from './security.ts';
import { API_ROUTES } from './routes/index.ts';

/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`, generated from the route
 * declarations (api/routes/): parameters and bodies are the zod schemas the routes validate with (as JSON
 * Schema of what a client sends), answers what each declaration says it answers. Refinements zod cannot
 * express in JSON Schema (e.g. "identity_file is required for key auth") are still enforced by the
 * routes, which answer 400 for them.
 */

const openApiRoute = defineRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openapi',
  summary: 'This document',
  tag: 'system',
  answers: { '200': json('the OpenAPI 3.1 document', { type: 'object', required: ['openapi', 'paths'] }) },
  handler: ({ res }) => {
    res.json(openApiDocument());
  },
});

/** Every route the API serves, each described in the document. */
export const ROUTES: readonly Route[] = [openApiRoute, ...API_ROUTES];

const ERROR_ANSWERS: Record<string, Answer> = {
  '4XX': named(
    'bad input (400), no or wrong token (401), scope too small (403), not found (404), conflict (409), rate limited (429)...',
    ErrorComponent,
  ),
  '5XX': named('the device, Temporal or the database failed (502/503/504), or an internal error', ErrorComponent),
};

function queryParameters(schema: Parameters<typeof accepts>[0]) {
  const s = accepts(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: s.required?.includes(name) ?? false,
    schema,
  }));
}

function operationObject(route: Route) {
  const parameters = [
    ...Object.entries(route.pathParameters).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: accepts(schema),
    })),
    ...(route.query ? queryParameters(route.query) : []),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(route.requestBody && {
      requestBody: {
        required: route.requestBody.required,
        content: { 'application/json': { schema: route.requestBody.schema } },
      },
    }),
    responses: { ...ERROR_ANSWERS, ...route.answers },
    // Open where the guard asks no scope, judged by the same function the guard runs, so the two agree.
    ...(apiScope({ method: route.method.toUpperCase(), path: route.path.replace(/\{(\w+)\}/g, '$1') }) === null && {
      security: [],
    }),
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, ReturnType<typeof operationObject>>> = {};
  for (const route of ROUTES) {
    const methods = (paths[route.path] ??= {});
    if (methods[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    methods[route.method] = operationObject(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'infrastructor HTTP API',
      version: pkg.version,
      description:
        'Agentless homelab manager over SSH, on Temporal. JSON, snake_case. Every error is `{"error": {"code", "message", "details?", "correlation_id"}}`; ' +
        'bad input is a 4xx and changes nothing. Commands and actions that are bulk or destructive answer 409 `DESTRUCTIVE_ACTION_BLOCKED`: held ' +
        'until a person with the `confirm` scope, other than the requester, reads the phrase (`GET /api/operations/{id}`) and types it at ' +
        '`POST /api/operations/{id}/confirm`. Send `X-Correlation-Id` to follow a request through the logs.',
    },
    tags: [...new Set(ROUTES.map((route) => route.tag))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }, {}],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'API tokens (`infra_…`, created at `POST /api/tokens`). Optional while the API listens on loopback and no token exists; required once one ' +
            'does, or when it listens beyond loopback (then `INFRA_ADMIN_TOKEN` is the bootstrap admin token). Scopes: `read` for GET requests; ' +
            '`operate` for everything that acts (destructive actions are held); `confirm` to see phrases and release held operations; `admin` ' +
            'for devices, tokens and alert settings (alert channels also need `confirm`: they receive phrases). `/health` and `/openapi.json` are always open.',
        },
      },
      schemas: declaredComponents(),
    },
    paths,
  };
}

let document: ReturnType<typeof buildDocument> | undefined;

/** Built on first use and then reused: the schemas do not change while the process runs. */
export function openApiDocument(): ReturnType<typeof buildDocument> {
  document ??= buildDocument();
  return document;
}
