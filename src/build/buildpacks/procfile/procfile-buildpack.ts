// The fallback buildpack: an app with only a Procfile needs nothing built.
import { isAppFile } from '../../app-files.js';
import type { Buildpack, CompileContext, CompileResult } from '../../buildpack.js';

export class ProcfileBuildpack implements Buildpack {
  readonly name = 'procfile';

  detect(buildDir: string): Promise<boolean> {
    return isAppFile(buildDir, 'Procfile');
  }

  async compile(ctx: CompileContext): Promise<CompileResult> {
    ctx.log('-----> Procfile app detected');
    ctx.log('       nothing to build: the Procfile commands run as they are');
    return { processTypes: {} };
  }
}
