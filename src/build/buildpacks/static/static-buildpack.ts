// The static site buildpack: adds a tiny dependency-free file server to the slug.
import { isAppFile, writeAppFile } from '../../app-files.js';
import type { Buildpack, CompileContext, CompileResult } from '../../buildpack.js';
import { STATIC_SERVER_SOURCE } from './static-server-source.js';

export const STATIC_SERVER_PATH = '.berth/static-server.mjs';

/** The directory served: `public/` when the site lives there, else the app root. */
async function siteRoot(buildDir: string): Promise<string | undefined> {
  if (await isAppFile(buildDir, 'index.html')) return '.';
  if (await isAppFile(buildDir, 'public/index.html')) return 'public';
  return undefined;
}

export class StaticBuildpack implements Buildpack {
  readonly name = 'static';

  /** An index.html (at the root or in public/) and no package.json: a Node app serves itself. */
  async detect(buildDir: string): Promise<boolean> {
    return !(await isAppFile(buildDir, 'package.json')) && (await siteRoot(buildDir)) !== undefined;
  }

  async compile(ctx: CompileContext): Promise<CompileResult> {
    ctx.log('-----> Static site detected');
    const root = (await siteRoot(ctx.buildDir)) ?? '.';
    ctx.log(`       serving ${root === '.' ? 'the app directory' : `${root}/`} with Berth's static file server`);
    await writeAppFile(ctx.buildDir, STATIC_SERVER_PATH, STATIC_SERVER_SOURCE);
    return { processTypes: { web: root === '.' ? `node ${STATIC_SERVER_PATH}` : `node ${STATIC_SERVER_PATH} ${root}` } };
  }
}
