// Heroku's deploy-from-source flow: POST /sources (put_url and get_url on Berth itself), PUT the tarball,
// POST /apps/{app}/builds, then follow the build's output_stream_url.
import type { FastifyInstance } from 'fastify';
import { sourceCapabilityPath } from '../../deploy/source-capability.js';
import type { SourceStore } from '../../deploy/source-store.js';
import type { Build } from '../../domain/types.js';
import type { BuildOutputs } from '../../logs/build-output.js';
import type { DeployPipeline } from '../../services/deploy-pipeline.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { buildJson as buildJsonOf } from '../build-serializer.js';

export interface DeployRouteDeps {
  sources: SourceStore;
  outputs: BuildOutputs;
  pipeline: DeployPipeline;
}

export function deployRoutes(d: DeployRouteDeps) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const buildJson = async (b: Build, appName: string) => buildJsonOf(b, appName, await ctx.store.users.byId(b.userId), ctx.urls.api);

    // Like Heroku's pre-signed S3 URLs: each URL is its own credential (so the heroku CLI PUTs
    // without a token), but only a logged-in user can get one, and each does one thing for an hour.
    app.post('/sources', async (req, reply) => {
      const grant = await d.sources.create(actorOf(req).id);
      const url = (secret: string) => ctx.urls.api + sourceCapabilityPath(grant.id, secret);
      return reply.status(201).send({ source_blob: { get_url: url(grant.getSecret), put_url: url(grant.putSecret) } });
    });

    // The upload is streamed to disk as it arrives; it is never parsed or buffered whole.
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      scope.put<{ Params: { id: string; secret: string } }>('/sources/:id/:secret', { config: { public: true } }, async (req, reply) => {
        const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
        try {
          const bytes = await d.sources.receive(req.params.id, req.params.secret, req.raw, declared);
          return reply.status(200).send({ id: req.params.id, bytes });
        } catch (e) {
          // A refused upload may still be streaming in: close the connection rather than read the rest.
          reply.header('Connection', 'close');
          throw e;
        }
      });
    });

    app.get<{ Params: { id: string; secret: string } }>('/sources/:id/:secret', { config: { public: true } }, async (req, reply) => {
      const { stream, size } = await d.sources.open(req.params.id, req.params.secret);
      return reply.header('Content-Type', 'application/gzip').header('Content-Length', size).send(stream);
    });

    app.post<{ Params: { app: string }; Body: Record<string, unknown> | undefined }>('/apps/:app/builds', async (req, reply) => {
      const build = await d.pipeline.createBuild(actorOf(req), req.params.app, req.body ?? {});
      const target = await ctx.store.apps.byId(build.appId);
      return reply.status(201).send(await buildJson(build, target?.name ?? req.params.app));
    });

    app.get<{ Params: { app: string } }>('/apps/:app/builds', async (req) => {
      const { app: a, builds } = await d.pipeline.listBuilds(actorOf(req), req.params.app);
      return Promise.all(builds.map((b) => buildJson(b, a.name)));
    });

    app.get<{ Params: { app: string; id: string } }>('/apps/:app/builds/:id', async (req) => {
      const { app: a, build } = await d.pipeline.getBuild(actorOf(req), req.params.app, req.params.id);
      return buildJson(build, a.name);
    });

    // Like Heroku's output_stream_url: the unguessable build id is the credential, so curl can follow it.
    app.get<{ Params: { id: string } }>('/builds/:id/output', { config: { public: true } }, async (req, reply) => {
      if (!d.outputs.exists(req.params.id)) return reply.status(404).send({ id: 'not_found', message: "Couldn't find that build's output." });
      const abort = new AbortController();
      req.raw.on('close', () => abort.abort());
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      for await (const line of d.outputs.follow(req.params.id, abort.signal)) {
        // A reader that hangs up while we wait for drain would otherwise hold this loop forever.
        if (!reply.raw.write(line + '\n')) await new Promise<void>((r) => {
          const go = () => { reply.raw.off('drain', go); reply.raw.off('close', go); r(); };
          reply.raw.on('drain', go);
          reply.raw.on('close', go);
        });
      }
      reply.raw.end();
    });
  };
}
