// /users: the admin adds and removes users (a Berth extension; Heroku has no equivalent).
import type { FastifyInstance } from 'fastify';
import { addUser, listUsers, removeUser } from '../../services/accounts.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { userJson } from '../serializers.js';

export function registerUserRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/users', async (req) => (await listUsers(ctx, actorOf(req))).map((u) => userJson(u)));

  app.post<{ Body: { email?: unknown; password?: unknown } | undefined }>('/users', async (req, reply) => {
    const { user, generatedPassword } = await addUser(ctx, actorOf(req), { email: req.body?.email, password: req.body?.password });
    return reply.status(201).send(userJson(user, generatedPassword));
  });

  app.delete<{ Params: { ref: string } }>('/users/:ref', async (req) => userJson(await removeUser(ctx, actorOf(req), req.params.ref)));
}
