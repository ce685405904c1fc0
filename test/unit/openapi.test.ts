import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { Request } from 'express';
import { z } from 'zod';
import { createApiApp, type ApiDeps } from '../../api/app.ts';
import { CONSOLE_DIR } from '../../api/console.ts';
import { openApiDocument } from '../../api/openapi.ts';
import { defineRoute } from '../../api/route.ts';
import { apiScope } from '../../api/security.ts';
import { collectorFor, DATA_TYPES } from '../../domain/collectors/registry.ts';

interface RouterLayer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** `METHOD /path` of every route the Express app registers, parameters written `{}`. */
function expressRoutes(): string[] {
  // Building the app only wires routers to the services; none is called until a request comes.
  const deps = {
    security: { rateLimitPerMinute: 0, allowedHosts: [] },
    bindAddress: '127.0.0.1',
    consoleDir: CONSOLE_DIR,
  } as unknown as ApiDeps;
  const app = createApiApp(deps) as unknown as { router: { stack: RouterLayer[] } };
  const found: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/\/$/, '') || '/';
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.push(`${method.toUpperCase()} ${path.replace(/:\w+/g, '{}')}`);
      } else if (layer.handle.stack && typeof layer.rawPath === 'string') {
        walk(layer.handle.stack, `${prefix}${layer.rawPath === '/' ? '' : layer.rawPath}`);
      }
    }
  };
  walk(app.router.stack, '');
  return [...new Set(found)].sort();
}

function documentedOperations(): string[] {
  const doc = openApiDocument();
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{\w+\}/g, '{}')}`),
    )
    .sort();
}

test('every route of the app is described, and nothing else is', () => {
  const routes = expressRoutes();
  assert.ok(routes.length > 40, `found only ${routes.length} routes: the router walk is broken`);
  const documented = documentedOperations();
  assert.deepEqual(
    routes.filter((r) => !documented.includes(r)),
    [],
    'routes the document does not describe',
  );
  assert.deepEqual(
    documented.filter((d) => !routes.includes(d)),
    [],
    'described operations the app does not have',
  );
});

test("a route whose declared parameters are not its path's is refused when it is declared", () => {
  const declare = (path: string, params: Record<string, z.ZodType>) =>
    defineRoute({
      method: 'get',
      path,
      operationId: 'probe',
      summary: 'probe',
      tag: 'probe',
      params,
      answers: {},
      handler: () => undefined,
    });
  assert.throws(() => declare('/api/things/{id}', {}), /parameters \(none\) are not the path's/);
  assert.throws(() => declare('/api/things', { id: z.string() }), /parameters \(id\)/);
  assert.throws(() => declare('/api/{a}/{b}', { b: z.string(), a: z.string() }), /in the path's order/);
  assert.equal(declare('/api/{a}/{b}', { a: z.string(), b: z.string() }).path, '/api/{a}/{b}');
});

test('the document is valid OpenAPI 3.1', async () => {
  const doc = openApiDocument();
  assert.equal(doc.openapi, '3.1.0');
  // validate() dereferences in place: give it a copy so the served document keeps its $refs.
  const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  assert.deepEqual(result.warnings, []);
});

test('parameters and bodies come from the zod schemas the routes validate with', () => {
  const doc = openApiDocument();
  const addDevice = doc.paths['/api/devices']!.post!;
  const schema = addDevice.requestBody!.content['application/json'].schema as {
    properties: Record<string, { pattern?: string }>;
    required: string[];
    additionalProperties: boolean;
  };
  assert.deepEqual(schema.required, ['hostname']);
  assert.equal(schema.additionalProperties, false, 'unknown fields are refused, and the document says so');
  assert.equal(schema.properties.hostname?.pattern, '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$');
  const read = doc.paths['/api/devices/{hostname}/{data_type}']!.get!;
  assert.deepEqual(
    read.parameters!.map((p) => `${p.in}:${p.name}`),
    [
      'path:hostname',
      'path:data_type',
      'query:force_refresh',
      'query:since',
      'query:until',
      'query:limit',
      'query:include_data',
    ],
  );
  // The per-container routes take the action and the name from the path, not the body.
  const options = doc.paths['/api/devices/{hostname}/containers/{name}/{action}']!.post!.requestBody!.content[
    'application/json'
  ].schema as { properties: Record<string, unknown>; required?: string[] };
  assert.ok(
    !('action' in options.properties) && !('containers' in options.properties) && options.required === undefined,
  );
  assert.ok('timeout_seconds' in options.properties);
});

test("the data route answers one answer per data type, told apart by data_type, its data described by the collector's schema", () => {
  type ObjectSchema = {
    properties: Record<string, { const?: string } & Partial<ObjectSchema>>;
    required?: string[];
    $ref?: string;
  };
  const doc = openApiDocument();
  const schemas = doc.components.schemas as unknown as Record<string, ObjectSchema>;
  const read = (doc.paths['/api/devices/{hostname}/{data_type}']!.get!.responses as Record<string, unknown>)['200'] as {
    content: Record<string, { schema: { anyOf: Array<{ $ref: string }> } }>;
  };
  assert.deepEqual(read.content['application/json']!.schema.anyOf, [
    { $ref: '#/components/schemas/DataAnswer' },
    { $ref: '#/components/schemas/HistoryAnswer' },
  ]);
  const { oneOf, discriminator } = doc.components.schemas.DataAnswer as {
    oneOf: Array<{ $ref: string }>;
    discriminator: { propertyName: string; mapping: Record<string, string> };
  };
  assert.equal(discriminator.propertyName, 'data_type');
  assert.deepEqual(Object.keys(discriminator.mapping), DATA_TYPES);
  assert.deepEqual(
    oneOf.map((r) => r.$ref),
    Object.values(discriminator.mapping),
  );
  for (const dataType of DATA_TYPES) {
    const target = discriminator.mapping[dataType]!;
    const answer = schemas[target.replace('#/components/schemas/', '')];
    assert.ok(answer, `${target} is a component`);
    assert.equal(answer.properties.data_type?.const, dataType);
    const data = answer.properties.data as ObjectSchema;
    const expected = z.toJSONSchema(collectorFor(dataType).schema, { io: 'output' }) as unknown as ObjectSchema;
    assert.deepEqual(
      Object.keys(data.properties),
      Object.keys(expected.properties),
      `${dataType}: the payload's fields`,
    );
    assert.deepEqual(data.required, expected.required, `${dataType}: its required fields`);
  }
});

test("/openapi.json, /health and the console's files need no token; everything else does once tokens are required", () => {
  const scope = (method: string, path: string) => apiScope({ method, path } as Request);
  assert.equal(scope('GET', '/openapi.json'), null);
  assert.equal(scope('GET', '/health'), null);
  assert.equal(scope('GET', '/api/devices'), 'read');
  assert.equal(scope('GET', '/api/whoami'), 'read', 'any valid token may ask who it is');
  // The console's page and files hold no data; the API, /metrics and the rest of the API's answers still need a token.
  assert.equal(scope('GET', '/'), null);
  assert.equal(scope('GET', '/operations/6f1c0000-0000-4000-8000-000000000000'), null);
  assert.equal(scope('GET', '/metrics'), 'read');
  assert.equal(scope('GET', '/api'), 'read');
  assert.equal(scope('POST', '/'), 'operate');
  const doc = openApiDocument();
  assert.deepEqual(doc.paths['/openapi.json']!.get!.security, []);
  assert.deepEqual(doc.security, [{ bearerAuth: [] }, {}], 'a token is optional until one exists on loopback');
});
