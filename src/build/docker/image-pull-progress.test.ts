import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from './engine-progress.js';
import { ImagePullProgress } from './image-pull-progress.js';

/** The engine's pull stream for an image of `present` layers it has and `fetched` (id, bytes) it lacks, chunk by chunk. */
function pullEvents(present: string[], fetched: Array<[string, number]>, chunks = 50): ProgressEvent[] {
  const events: ProgressEvent[] = [{ status: 'Pulling from team/web', id: '1.4' }];
  for (const id of present) events.push({ status: 'Already exists', id, progressDetail: {} });
  for (const [id] of fetched) events.push({ status: 'Pulling fs layer', id, progressDetail: {} });
  for (const [id] of fetched.slice(1)) events.push({ status: 'Waiting', id, progressDetail: {} });
  for (const [id, total] of fetched) {
    for (let i = 1; i <= chunks; i++) events.push({ status: 'Downloading', id, progressDetail: { current: Math.round((total * i) / chunks), total }, progress: '[==>   ]' });
    events.push({ status: 'Verifying Checksum', id }, { status: 'Download complete', id });
    for (let i = 1; i <= chunks; i++) events.push({ status: 'Extracting', id, progressDetail: { current: i, total: chunks } });
    events.push({ status: 'Pull complete', id });
  }
  events.push({ status: 'Digest: sha256:0f3a' }, { status: 'Status: Downloaded newer image for registry.example:5000/team/web:1.4' });
  return events;
}

const summary = (ref: string, events: ProgressEvent[]) => {
  const said: string[] = [];
  const progress = new ImagePullProgress(ref, (l) => said.push(l));
  for (const e of events) progress.event(e);
  progress.end();
  return said;
};

describe('ImagePullProgress', () => {
  it('turns a pull of three new layers (over 300 engine events) into three lines', () => {
    const events = pullEvents(['a1', 'a2'], [['b1', 30_000_000], ['b2', 1_500_000], ['b3', 500_000]]);
    expect(events.length).toBeGreaterThan(300);
    expect(summary('registry.example:5000/team/web:1.4', events)).toEqual([
      '5 layers, 2 already on the engine; downloading 3...',
      'downloaded 2 of 3 layers (31.5 MB)',
      'pulled registry.example:5000/team/web:1.4 (sha256:0f3a): 3 layers downloaded (32.0 MB)',
    ]);
  });

  it('says when every layer was already there and nothing was downloaded', () => {
    expect(summary('web:1', pullEvents(['a1', 'a2', 'a3'], []))).toEqual([
      '3 layers, all already on the engine',
      'pulled web:1 (sha256:0f3a): nothing to download',
    ]);
  });

  it('counts a single new layer without "already", and has no halfway line for it', () => {
    expect(summary('web:1', pullEvents([], [['b1', 2_000_000]]))).toEqual([
      '1 layer; downloading 1...',
      'pulled web:1 (sha256:0f3a): 1 layer downloaded (2.0 MB)',
    ]);
  });

  it('counts a small layer the engine sent no Downloading event for as downloaded, not "nothing to download"', () => {
    const events = pullEvents(['a1'], [['b1', 400]]).filter((e) => e.status !== 'Downloading');
    expect(summary('web:1', events)).toEqual(['2 layers, 1 already on the engine; downloading 1...', 'pulled web:1 (sha256:0f3a): 1 layer downloaded']);
  });

  it('keeps a pull of 40 new layers to three lines', () => {
    const layers = Array.from({ length: 40 }, (_, i): [string, number] => [`l${i}`, 1_000_000]);
    const said = summary('big:1', pullEvents(['a1'], layers, 5));
    expect(said).toEqual(['41 layers, 1 already on the engine; downloading 40...', 'downloaded 20 of 40 layers (20.0 MB)', 'pulled big:1 (sha256:0f3a): 40 layers downloaded (40.0 MB)']);
  });
});
