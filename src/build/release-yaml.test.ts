import { describe, expect, it } from 'vitest';
import { parseReleaseYaml } from './release-yaml.js';

describe('parseReleaseYaml', () => {
  it('reads default_process_types and ignores the other sections', () => {
    const text = [
      '---', 'addons:', '  - heroku-postgresql', 'config_vars:', '  web: not-a-process', 'default_process_types:',
      '  web: bundle exec puma -p $PORT', '  worker: "rake jobs:work"', "  clock: 'echo it''s'", '',
    ].join('\n');
    expect(parseReleaseYaml(text)).toEqual({ web: 'bundle exec puma -p $PORT', worker: 'rake jobs:work', clock: "echo it's" });
  });

  it('stops at the next top-level key', () => {
    expect(parseReleaseYaml('default_process_types:\n  web: a\naddons: []\n  worker: b\n')).toEqual({ web: 'a' });
  });

  it('returns nothing for empty output or an inline empty map', () => {
    expect(parseReleaseYaml('')).toEqual({});
    expect(parseReleaseYaml('---\ndefault_process_types: {}\n')).toEqual({});
  });
});
