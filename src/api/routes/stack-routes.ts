// GET /stacks (what `heroku stack` lists). POST /stacks/{stack}/builds (admin): builds the stack image now rather than on the first deploy,
// or rebuilds it with {"force": true}. Answers at once with an output_stream_url, like a build.
import type { FastifyInstance } from 'fastify';
import type { AppBuilder } from '../../build/app-builder.js';
import { BerthError, isBerthError } from '../../domain/errors.js';
import type { BuildOutputs } from '../../logs/build-output.js';
import { newId } from '../../platform/ids.js';
import { auditEntry } from '../../services/audit-entry.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { stackListJson } from '../serializers.js';

export const STACK_NAME = 'berth-24';

export function stackRoutes(d: { builder: AppBuilder; outputs: BuildOutputs }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    let running: Promise<void> | undefined;

    // Berth has one stack; `heroku stack` lists it and marks the app's.
    app.get('/stacks', async () => [stackListJson(STACK_NAME)]);
    app.get<{ Params: { stack: string } }>('/stacks/:stack', async (req) => {
      if (req.params.stack !== STACK_NAME) throw new BerthError('not_found', `Couldn't find the stack ${req.params.stack}.`, 'stack');
      return stackListJson(STACK_NAME);
    });

    app.post<{ Params: { stack: string }; Body: { force?: unknown } | undefined }>('/stacks/:stack/builds', async (req, reply) => {
      if (!actorOf(req).isAdmin) throw new BerthError('forbidden', 'Only the Berth admin can build the stack.', 'stack');
      if (req.params.stack !== STACK_NAME) throw new BerthError('not_found', `Couldn't find the stack ${req.params.stack}.`, 'stack');
      if (running) throw new BerthError('conflict', 'The stack is being built already.', 'stack');
      // Refused now (local runtime) rather than as a line in a stream nobody reads.
      if (d.builder.produces !== 'image') await d.builder.buildStack({ force: false, log: () => {} });
      const id = newId();
      const out = d.outputs.open(id);
      running = d.builder.buildStack({ force: req.body?.force === true, log: (l) => out.line(l) })
        .catch((e: Error) => {
          out.line(` !     ${isBerthError(e) ? e.message : `Stack build failed: ${e.message}`}`);
          ctx.logger.error('stack-build-failed', { error: e.message });
        })
        .finally(() => {
          running = undefined;
          void out.end();
        });
      out.line(`-----> Stack ${STACK_NAME}: build started`);
      // Every app's next build runs on it: a change the audit trail keeps, like any other.
      await ctx.store.events.append(auditEntry(actorOf(req), null, 'stack-build-started', { stack: STACK_NAME, build: id, force: req.body?.force === true }));
      return reply.status(202).send({ id, stack: { name: STACK_NAME }, status: 'pending', output_stream_url: `${ctx.urls.api}/builds/${id}/output` });
    });
  };
}
