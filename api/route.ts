import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from './app.ts';
import { Hostname } from '../schema/device.ts';
import { accepts, type Answer, type JsonSchema } from './answers.ts';

export type Method = 'get' | 'post' | 'patch' | 'delete';

type Shape = Record<string, z.ZodType>;

/** The parameter of every route under `/api/devices/{hostname}`. */
export const pathHostname = { hostname: Hostname };
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler is given: the request's parts as its declaration's schemas parsed them, and the services. */
export interface RouteCall<P extends Shape, Q, B> {
  params: { [K in keyof P]: z.output<P[K]> };
  query: Parsed<Q>;
  body: Parsed<B>;
  req: Request;
  res: Response;
  deps: ApiDeps;
}

/**
 * One route, declared once: the Express handler and its OpenAPI operation both come from it, so they
 * cannot drift apart. The path is written the OpenAPI way (`/api/devices/{hostname}`).
 */
export interface RouteDeclaration<P extends Shape, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: Method;
  path: string;
  /** Stable: the console's and the CLI's typed clients call operations by this name. */
  operationId: string;
  summary: string;
  tag: string;
  /** The path's parameters, parsed before the handler runs. */
  params?: P;
  /** What the document says of a path parameter when it says more than the route checks (e.g. the known data types). */
  documentedParams?: Shape;
  /** The query string, parsed before the handler runs; without one the query is not looked at. */
  query?: Q;
  /** The JSON body (absent: `{}`), parsed before the handler runs; without one the body is not looked at. */
  body?: B;
  /** The body as documented, when the route takes part of it from its path or checks it in the handler. */
  documentedBody?: JsonSchema;
  /** Whether a request must carry a body; false where every field is optional. Default: true when there is one. */
  bodyRequired?: boolean;
  /** The answers by status code; the 4XX and 5XX error answers are added to every route. */
  answers: Record<string, Answer>;
  handler: (call: RouteCall<P, Q, B>) => unknown;
}

/** A declared route, its types erased: what the app registers and the document describes. */
export interface Route {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  pathParameters: Shape;
  query: z.ZodType | undefined;
  requestBody: { schema: JsonSchema; required: boolean } | undefined;
  answers: Record<string, Answer>;
  /** Validates the request (a ZodError becomes the 400 `validation_error` in errors.ts), then runs the handler. */
  handle(req: Request, res: Response, deps: ApiDeps): Promise<void>;
}

export function defineRoute<
  P extends Shape = Record<never, never>,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(d: RouteDeclaration<P, Q, B>): Route {
  const params = d.params ?? ({} as P);
  const inPath = [...d.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const declared = Object.keys({ ...params, ...d.documentedParams });
  if (inPath.join() !== Object.keys(params).join() || declared.join() !== inPath.join()) {
    throw new Error(
      `${d.method.toUpperCase()} ${d.path}: its parameters (${declared.join(', ') || 'none'}) are not the path's, in the path's order`,
    );
  }
  const paramsSchema = z.object(params);
  const documentedBody = d.documentedBody ?? (d.body && accepts(d.body));
  return {
    method: d.method,
    path: d.path,
    operationId: d.operationId,
    summary: d.summary,
    tag: d.tag,
    pathParameters: { ...params, ...d.documentedParams },
    query: d.query,
    requestBody: documentedBody && { schema: documentedBody, required: d.bodyRequired ?? true },
    answers: d.answers,
    async handle(req, res, deps) {
      const call = {
        params: paramsSchema.parse(req.params) as RouteCall<P, Q, B>['params'],
        query: d.query?.parse(req.query) as Parsed<Q>,
        body: d.body?.parse(req.body ?? {}) as Parsed<B>,
        req,
        res,
        deps,
      };
      await d.handler(call);
    },
  };
}

/** Registers the routes on the app, in order (a route declared first is matched first). */
export function registerRoutes(app: Express, routes: readonly Route[], deps: ApiDeps): void {
  for (const route of routes) app[route.method](expressPath(route.path), (req, res) => route.handle(req, res, deps));
}

/** `/api/devices/{hostname}` → `/api/devices/:hostname` (in Express 5, braces mark an optional part). */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
