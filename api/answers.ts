import { z } from 'zod';
import { CommandResult, OperationView, StoredOperationView } from '../schema/operation-view.ts';
import { DeviceView } from '../schema/device.ts';

/**
 * How routes describe what they take and answer in the OpenAPI document: JSON Schema from zod, answer
 * helpers, and the named components several routes share. A view is one zod schema (in schema/, or beside
 * the service that builds it) whose type is inferred from it; routes and MCP tools answer with that schema.
 */

export type JsonSchema = { [key: string]: unknown };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // The document declares the dialect (3.1 uses draft 2020-12) once for every schema in it.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return rest;
}
/** What a client sends: defaults make fields optional, and transforms are described by what they accept. */
export const accepts = (schema: z.ZodType) => jsonSchema(schema, 'input');
/** What the API answers: plain `z.object`s allow no other keys, `z.looseObject`s do. */
export const answers = (schema: z.ZodType) => jsonSchema(schema, 'output');

/** The properties of a request body without the ones a route takes from its path. */
export function withoutProperties(schema: JsonSchema, drop: readonly string[]): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).filter(([name]) => !drop.includes(name)),
  );
  const required = ((schema.required ?? []) as string[]).filter((name) => !drop.includes(name));
  const { required: _all, ...rest } = schema;
  return { ...rest, properties, ...(required.length ? { required } : {}) };
}

// --- named components -----------------------------------------------------------------------------------

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A schema the document holds once under `components.schemas`, referred to by name. */
export class Component {
  constructor(readonly name: string) {}
  /** A new `$ref` object each time: tools that dereference the document in place must not see one object twice. */
  ref(): JsonSchema {
    return ref(this.name);
  }
}
/** A schema, or a reference to a component. */
export type SchemaOrComponent = JsonSchema | Component;
const schemaOf = (s: SchemaOrComponent): JsonSchema => (s instanceof Component ? s.ref() : s);

const registered = new Map<string, JsonSchema>();

/**
 * Names a schema as a component of the document. A schema that zod gave `$defs` (the repeated part of a
 * recursive schema, such as the ZFS vdev tree) refers to them from its own root, so they move into the
 * components beside it, as `<name>_<def>`, and the references follow them.
 */
export function component(name: string, schema: z.ZodType | JsonSchema): Component {
  const json = schema instanceof z.ZodType ? answers(schema) : schema;
  const { $defs, ...root } = json as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const defName = (key: string) => `${name}_${key.replace(/^_+/, '')}`;
  const moved = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(moved);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? ref(defName(inner.slice('#/$defs/'.length))).$ref
          : moved(inner),
      ]),
    );
  };
  for (const [key, value] of [
    [name, moved(root)],
    ...Object.entries($defs ?? {}).map(([key, def]) => [defName(key), moved(def)]),
  ] as Array<[string, JsonSchema]>) {
    if (registered.has(key)) throw new Error(`OpenAPI component ${key} is declared twice`);
    registered.set(key, value);
  }
  return new Component(name);
}

/** Every component the route files declared (they are all imported by the time the document is built). */
export function declaredComponents(): Record<string, JsonSchema> {
  return Object.fromEntries(registered);
}

// --- answers --------------------------------------------------------------------------------------------

export interface Answer {
  description: string;
  content?: { [mediaType: string]: { schema: JsonSchema } };
}
export const json = (description: string, schema: SchemaOrComponent): Answer => ({
  description,
  content: { 'application/json': { schema: schemaOf(schema) } },
});
export const named = (description: string, c: Component) => json(description, c);
/** A view under one key, e.g. `{devices: [...]}` or `{maintenance: {...}}`. */
export const wrapped = (description: string, key: string, schema: SchemaOrComponent) =>
  json(description, {
    type: 'object',
    properties: { [key]: schemaOf(schema) },
    required: [key],
    additionalProperties: false,
  });
/** An array of a component. */
export const arrayOf = (c: Component): JsonSchema => ({ type: 'array', items: c.ref() });
/** No body: `204`. */
export const noContent = (description: string): Answer => ({ description });

/** A yes/no query parameter as URLs write it. */
export const QueryFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const Time = z.iso.datetime();

/** Open at the top: the command routes add their own keys beside `error` (`unit`, `snapshot`, `action`...). */
const ErrorBody = z.looseObject({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    correlation_id: z.string(),
  }),
});
export const ErrorComponent = component('Error', ErrorBody);

/** One device, as the device routes, the fleet and the import answer it. */
export const DeviceViewComponent = component('DeviceView', DeviceView);

export const OperationViewComponent = component('OperationView', OperationView);
export const StoredOperationViewComponent = component('StoredOperationView', StoredOperationView);

/** 200 of a command that ran: its result (see `execAnswer`). */
export const CommandDone = component(
  'CommandDone',
  z.looseObject({ operation_id: z.uuid(), device: z.string(), ...CommandResult.shape, workflow_id: z.string() }),
);
/** 409 of a destructive command, held until a person types the phrase. */
export const CommandHeld = component(
  'CommandHeld',
  z.looseObject({
    status: z.literal('DESTRUCTIVE_ACTION_BLOCKED'),
    operation_id: z.uuid(),
    device: z.string(),
    command: z.string(),
    risk_assessment: z.looseObject({
      risk_level: z.string(),
      categories: z.array(z.string()),
      reasons: z.array(z.string()),
    }),
    impact_details: z.looseObject({
      affected_count: z.int(),
      affected_items: z.array(z.looseObject({ kind: z.string(), name: z.string() })),
    }),
    // No phrase: the requester may be an agent. A person with the confirm scope reads it from the operation.
    confirmation_required: z.looseObject({
      expires_at: Time.nullable(),
      attempts_left: z.int(),
      who: z.string(),
      cli: z.string(),
      api: z.string(),
      web: z.string().nullable(),
    }),
    safer_alternatives: z.array(z.string()),
    safety_checklist: z.array(z.string()),
    workflow_id: z.string(),
  }),
);
/** 409 of a command a device rule forbids right now (e.g. a parity check is running). */
export const CommandBlocked = component(
  'CommandBlocked',
  z.looseObject({
    status: z.literal('BLOCKED_BY_DEVICE_RULE'),
    operation_id: z.uuid(),
    device: z.string(),
    reason: z.string().nullable(),
    risk_assessment: z.looseObject({ risk_level: z.string() }),
    safer_alternatives: z.array(z.string()),
    workflow_id: z.string(),
  }),
);

/** Keys the answers of one route add to the command answers (e.g. `unit`, or `action` and `containers`). */
export const withKeys = (c: Component, keys: Record<string, z.ZodType>): JsonSchema => ({
  allOf: [c.ref(), answers(z.looseObject(keys))],
});

/**
 * 409 of a route that runs a command: held for its phrase, refused by a device rule, or a conflict (an
 * error). Workflow routes add their view (e.g. `maintenance`) to the held and blocked answers.
 */
export function heldOrConflict(workflow?: { key: string; view: Component }): Answer {
  const withView = (c: Component) =>
    workflow
      ? {
          allOf: [
            c.ref(),
            { type: 'object', properties: { [workflow.key]: workflow.view.ref() }, required: [workflow.key] },
          ],
        }
      : c.ref();
  const held = [withView(CommandHeld), withView(CommandBlocked)];
  return json(
    'held for a confirmation phrase (`DESTRUCTIVE_ACTION_BLOCKED`), blocked by a device rule (`BLOCKED_BY_DEVICE_RULE`), or a conflict (error)',
    {
      anyOf: [...held, ErrorComponent.ref()],
    },
  );
}
