// How a command runs in its image: Heroku's conventions in a buildpack slug image, the image's own
// semantics (WORKDIR, ENTRYPOINT, /bin/sh, EXPOSE) in any other.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { runPlanOf } from './image-run-plan.js';

type Config = {
  Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string; Env?: string[];
  ExposedPorts?: Record<string, object>; Labels?: Record<string, string>;
};
const image = (config: Config) => ({ Config: config }) as unknown as Docker.ImageInspectInfo;

describe('runPlanOf', () => {
  it('runs a buildpack slug through bash in /app on port 5000, whatever the image was committed with', () => {
    const plan = runPlanOf(image({ Labels: { 'berth.role': 'image' }, WorkingDir: '/workspace', Cmd: ['node', '/opt/berth/entry.js'] }), 'npm start', 'formation');
    expect(plan.entrypoint?.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    expect(plan.cmd).toEqual(['npm start']);
    expect(plan).toMatchObject({ workdir: '/app', appDir: '/app', port: 5000, env: { HOME: '/app' } });
  });

  it("runs an image's own ENTRYPOINT + CMD untouched, without any shell, in its WORKDIR", () => {
    const plan = runPlanOf(image({ Entrypoint: ['./entrypoint.sh'], Cmd: ['node', 'server.js'], WorkingDir: '/usr/src/app' }), './entrypoint.sh node server.js', 'formation');
    expect(plan.entrypoint).toBeUndefined();
    expect(plan.cmd).toBeUndefined();
    expect(plan).toMatchObject({ workdir: '/usr/src/app', appDir: '/usr/src/app', env: { HOME: '/usr/src/app' } });
  });

  it('gives a Procfile command to /bin/sh, as the arguments of the image\'s ENTRYPOINT (which stays)', () => {
    const formation = runPlanOf(image({ Entrypoint: ['./entrypoint.sh'], Cmd: ['node', 'server.js'] }), 'node worker.js', 'formation');
    expect(formation.entrypoint).toBeUndefined();
    expect(formation.cmd?.[0]).toBe('/bin/sh');
    expect(formation.cmd?.at(-1)).toBe('node worker.js');
    expect(formation.cmd?.join(' ')).not.toContain('bash');
    expect(runPlanOf(image({}), 'echo hi', 'one-off').cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  it("keeps the image's HOME and PATH, and gives a writable /app to an image whose WORKDIR is /", () => {
    const plan = runPlanOf(image({ Env: ['PATH=/opt/venv/bin:/usr/bin', 'HOME=/home/app'] }), 'serve', 'formation');
    expect(plan.env).toEqual({});
    expect(plan).toMatchObject({ workdir: '/', appDir: '/app' });
  });

  it('routes to the one EXPOSEd TCP port, else to 5000', () => {
    expect(runPlanOf(image({ ExposedPorts: { '3000/tcp': {} } }), 'x', 'formation').port).toBe(3000);
    expect(runPlanOf(image({ ExposedPorts: { '3000/tcp': {}, '3001/tcp': {} } }), 'x', 'formation').port).toBe(5000);
    // A slug image follows Heroku: $PORT is 5000 whatever it exposes.
    expect(runPlanOf(image({ Labels: { 'berth.role': 'image' }, ExposedPorts: { '3000/tcp': {} } }), 'x', 'formation').port).toBe(5000);
  });
});
