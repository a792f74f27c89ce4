// git's smart HTTP protocol at /<app>.git: clone (upload-pack) and push (receive-pack). Auth is
// HTTP basic with an API token as the password, checked before git reads a byte of the request,
// and answered with the 401 + WWW-Authenticate that makes git use ~/.netrc or ask for it.
import type { Writable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openHookChannel } from '../../deploy/git/hook-channel.js';
import { advertiseRefs, acceptsEncoding, advertisementType, isGitService, requestType, resultType, serviceRpc, type GitService, type ServiceRun } from '../../deploy/git/smart-http.js';
import { BerthError, isBerthError } from '../../domain/errors.js';
import type { App, User } from '../../domain/types.js';
import { authenticate } from '../../services/accounts.js';
import type { GitPushes } from '../../services/git-push.js';
import type { ApiContext } from '../api-context.js';
import { actingThrough, readCredentials } from '../authentication.js';
import { ERROR_HTTP } from '../error-mapping.js';

export interface GitRouteDeps {
  pushes: GitPushes;
}

const REPO = /^([a-z][a-z0-9-]{1,28}[a-z0-9])\.git$/;
const NO_CACHE = { 'Cache-Control': 'no-cache, max-age=0, must-revalidate', Expires: 'Fri, 01 Jan 1980 00:00:00 GMT', Pragma: 'no-cache' };

type RepoRequest = FastifyRequest<{ Params: { repo: string } }>;

export function gitRoutes(d: GitRouteDeps) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    /** The caller and the app, or a reply already sent (401 / 403 / 404) and undefined. */
    const admit = async (req: RepoRequest, reply: FastifyReply): Promise<{ actor: User; app: App; repo: string } | undefined> => {
      const creds = readCredentials(req.headers.authorization);
      const actor = creds && (await authenticate(ctx, creds.secret).then((a) => actingThrough(a, req.ip), () => undefined));
      if (!actor) {
        await reply.status(401).header('WWW-Authenticate', 'Basic realm="Berth"').type('text/plain').send('Authentication required: use an API token as the password (berth login saves one in ~/.netrc).\n');
        return undefined;
      }
      const name = REPO.exec(req.params.repo)?.[1];
      try {
        if (!name) throw new BerthError('app_not_found', "Couldn't find that app.", 'app');
        return { actor, ...(await d.pushes.open(actor, name)) };
      } catch (e) {
        if (!isBerthError(e)) throw e;
        await reply.status(ERROR_HTTP[e.code].status).type('text/plain').send(`${e.message}\n`);
        return undefined;
      }
    };

    /** Streams a git program's output as the response; the headers go out before it starts. */
    const stream = async (reply: FastifyReply, contentType: string, start: (out: Writable) => ServiceRun) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': contentType, ...NO_CACHE });
      try {
        const { code, stderr } = await start(reply.raw).done;
        if (code !== 0) ctx.logger.warn('git-service-failed', { code, stderr: stderr.slice(0, 2000) });
      } catch (e) {
        ctx.logger.error('git-service-error', { error: e instanceof Error ? e.stack : String(e) });
      } finally {
        reply.raw.end();
      }
    };

    app.register(async (scope) => {
      // Pack data streams straight into git; nothing is parsed or buffered here.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

      scope.get<{ Params: { repo: string }; Querystring: { service?: string } }>('/:repo/info/refs', { config: { public: true } }, async (req, reply) => {
        const service = req.query.service;
        if (!isGitService(service)) {
          return reply.status(403).type('text/plain').send('Berth serves git over the smart HTTP protocol only (git 1.6.6 or newer).\n');
        }
        const admitted = await admit(req, reply);
        if (!admitted) return;
        await stream(reply, advertisementType(service), (out) => advertiseRefs(service, admitted.repo, out));
      });

      for (const service of ['git-upload-pack', 'git-receive-pack'] as GitService[]) {
        scope.post<{ Params: { repo: string } }>(`/:repo/${service}`, { config: { public: true } }, async (req, reply) => {
          const admitted = await admit(req, reply);
          if (!admitted) return;
          if (req.headers['content-type'] !== requestType(service)) {
            return reply.status(415).type('text/plain').send(`Expected Content-Type ${requestType(service)}.\n`);
          }
          if (!acceptsEncoding(req.headers['content-encoding'])) {
            return reply.status(415).type('text/plain').send('Send the request body plain or gzip-compressed.\n');
          }
          if (service === 'git-upload-pack') {
            return stream(reply, resultType(service), (out) => serviceRpc(service, admitted.repo, req.raw, req.headers['content-encoding'], out));
          }
          const session = d.pushes.session(admitted.actor, admitted.app, admitted.repo);
          const channel = await openHookChannel((call, say, signal) => session.hook(call, say, signal));
          try {
            await stream(reply, resultType(service), (out) => serviceRpc(service, admitted.repo, req.raw, req.headers['content-encoding'], out, channel.env));
          } finally {
            // receive-pack has exited, so the ref moved (or not): the app's next push may go.
            session.end();
            await channel.close();
          }
        });
      }
    });
  };
}
