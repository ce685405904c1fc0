import { z } from 'zod';
import { TokenCreate, TOKEN_SCOPES, TokenView, type PrincipalKind } from '../../schema/api-token.ts';
import { arrayOf, component, json, named, wrapped } from '../answers.ts';
import { requestContext } from '../request-context.ts';
import { defineRoute } from '../route.ts';

const TokenId = z.string().uuid();

const TokenViewComponent = component('TokenView', TokenView.loose());

/** The caller's principal and scopes: what `GET /api/whoami` answers. */
const Whoami = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['token', 'bootstrap', 'local_owner', 'mcp_session', 'mcp_elicitation'] satisfies PrincipalKind[]),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  tokens_required: z.boolean().describe('false for the local owner: loopback with no token yet'),
});
const WhoamiComponent = component('Whoami', Whoami);

/** Token management (admin scope): the token itself is in the creation answer only; and `GET /api/whoami`. */
export const tokenRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/tokens',
    operationId: 'createToken',
    summary: 'Create an API token (admin); the token is in this answer only',
    tag: 'tokens',
    body: TokenCreate,
    answers: {
      '201': json('created', {
        allOf: [
          TokenViewComponent.ref(),
          { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
        ],
      }),
    },
    handler: async ({ body, req, res, deps }) => {
      res.status(201).json(await deps.tokens.create(body, requestContext(req).principal));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tokens',
    operationId: 'listTokens',
    summary: 'Every token, without the tokens themselves (admin)',
    tag: 'tokens',
    answers: { '200': wrapped('the tokens', 'tokens', arrayOf(TokenViewComponent)) },
    handler: async ({ res, deps }) => {
      res.json({ tokens: await deps.tokens.list() });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/tokens/{id}',
    operationId: 'revokeToken',
    summary: 'Revoke a token (admin)',
    tag: 'tokens',
    params: { id: TokenId },
    answers: { '200': named('revoked', TokenViewComponent) },
    handler: async ({ params, res, deps }) => {
      res.json(await deps.tokens.revoke(params.id));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/whoami',
    operationId: 'whoami',
    // Any valid token may ask, so a client (the web console) shows only what it may do.
    summary: 'Who the caller is: its principal and scopes (any valid token)',
    tag: 'tokens',
    answers: { '200': named('the principal', WhoamiComponent) },
    handler: ({ req, res }) => {
      const { principal } = requestContext(req);
      const answer: z.infer<typeof Whoami> = {
        id: principal.id,
        name: principal.name,
        kind: principal.kind,
        scopes: [...principal.scopes],
        tokens_required: principal.kind !== 'local_owner',
      };
      res.json(answer);
    },
  }),
];
