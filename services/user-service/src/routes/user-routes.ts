import { pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { CreateUser, IdList, IdParams, PageQuery, User } from '@microshop/contracts';
import { Type } from 'typebox';
import { createUser } from '../domain/create-user.js';
import type { UserDeps } from '../domain/deps.js';
import { getUser } from '../domain/get-user.js';
import { listUsers } from '../domain/list-users.js';

const ListUsersQuery = Type.Object(
  { ...PageQuery.properties, id: Type.Optional(IdList) },
  { additionalProperties: false },
);

/** The User service's public API. */
export function registerUserRoutes(app: App, deps: UserDeps): void {
  app.post(
    '/api/users',
    { schema: { tags: ['users'], summary: 'Create a user', body: CreateUser, response: { 201: User, ...problemResponses } } },
    async (request, reply) => reply.code(201).send(await createUser(deps, request.body)),
  );

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users, newest first (or several by `?id=1&id=2`)',
        querystring: ListUsersQuery,
        response: { 200: Type.Array(User), ...problemResponses },
      },
    },
    async (request, reply) => sendPage(reply, await listUsers(deps, pageOf(request.query), request.query.id)),
  );

  app.get(
    '/api/users/:id',
    { schema: { tags: ['users'], summary: 'Get a user by id', params: IdParams, response: { 200: User, ...problemResponses } } },
    async (request) => getUser(deps, request.params.id),
  );
}
