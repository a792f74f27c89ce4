import { describe, expect, it } from 'vitest';
import { pipfileLockRequirements, pyprojectRequirements } from './python-requirements.js';

const HASH = `sha256:${'a'.repeat(64)}`;

describe('pipfileLockRequirements', () => {
  it('pins each default package with its extras, markers and hashes, leaving develop packages out', () => {
    const lock = {
      _meta: { hash: { sha256: 'x' } },
      default: {
        flask: { version: '==3.0.0', hashes: [HASH] },
        'typing-extensions': { version: '==4.9.0', markers: "python_version < '3.12'", hashes: [HASH] },
        uvicorn: { version: '==0.25.0', extras: ['standard'], hashes: [] },
      },
      develop: { pytest: { version: '==8.0.0' } },
    };
    expect(pipfileLockRequirements(JSON.stringify(lock))).toBe(
      `flask==3.0.0 --hash=${HASH}\ntyping-extensions==4.9.0; python_version < '3.12' --hash=${HASH}\nuvicorn[standard]==0.25.0\n`,
    );
  });

  it('refuses what it cannot pin, by name', () => {
    expect(() => pipfileLockRequirements(JSON.stringify({ default: { mylib: { git: 'https://example.com/x.git', ref: 'abc' } } })))
      .toThrow('Pipfile.lock: mylib is not pinned to a version');
    expect(() => pipfileLockRequirements('{')).toThrow(/^Pipfile\.lock is not valid JSON/);
    expect(() => pipfileLockRequirements(JSON.stringify({ default: { '--index-url': { version: '==1' } } }))).toThrow(/is not a package name/);
  });
});

describe('pyprojectRequirements', () => {
  it('writes PEP 508 dependencies one per line and refuses anything pip would read as an option', () => {
    expect(pyprojectRequirements(['flask>=3', "gunicorn; sys_platform == 'linux'"])).toBe("flask>=3\ngunicorn; sys_platform == 'linux'\n");
    expect(() => pyprojectRequirements(['--extra-index-url https://evil.example'])).toThrow(/is not a dependency/);
    expect(() => pyprojectRequirements(['a\n-r /etc/passwd'])).toThrow(/is not a dependency/);
    expect(() => pyprojectRequirements('flask')).toThrow(/must be a list/);
  });
});
