// Finding every image a Dockerfile reads, on Dockerfiles written to slip one past a checker.
import { describe, expect, it } from 'vitest';
import { dockerfileImageReferences, triggerReferences } from './dockerfile-refs.js';

const refs = (text: string) => dockerfileImageReferences(text).map((r) => `${r.line} ${r.usage} ${r.ref}`);

describe('dockerfileImageReferences', () => {
  it('reads FROM with flags, stages and case-insensitive keywords, skipping stages and scratch', () => {
    expect(refs([
      'from --platform=linux/amd64 berth/stack:24 AS Build',
      'RUN make',
      'FROM scratch',
      'From build',
      'FROM BUILD AS again',
      'FROM node:20@sha256:' + 'a'.repeat(64),
    ].join('\n'))).toEqual(['1 FROM berth/stack:24', `6 FROM node:20@sha256:${'a'.repeat(64)}`]);
  });

  it('finds COPY/ADD --from and RUN --mount from=, but not earlier stages by name or index', () => {
    expect(refs([
      'FROM berth/stack:24 AS one',
      'COPY --from=one /a /a',
      'COPY --chown=1:1 --from=0 /a /a',
      'COPY --from=1 /a /a',
      'add --FROM="58f" /b /b',
      'RUN --mount=type=bind,from=berth-app/other:v1,target=/x true',
      'RUN --mount=type=cache,target=/c --mount=type=bind,source=/,"from=one" true',
      'COPY --from=later /a /a',
      'FROM berth/stack:24 AS later',
    ].join('\n'))).toEqual(['1 FROM berth/stack:24', '4 COPY --from 1', '5 ADD --from 58f', '6 RUN --mount from berth-app/other:v1', '8 COPY --from later', '9 FROM berth/stack:24']);
  });

  it('follows line continuations across comments and blank lines, and ignores comment lines', () => {
    expect(refs([
      '# FROM commented:1',
      '   # COPY --from=indented-comment /a /a',
      'FROM \\',
      '# a comment inside the continuation',
      '',
      '  berth/stack:24',
      'RUN echo \\  ',
      '  hi',
      'COPY \\',
      '   --from=58f /a /a',
    ].join('\r\n'))).toEqual(['3 FROM berth/stack:24', '9 COPY --from 58f']);
  });

  it('honours the escape directive, and only at the top', () => {
    const backtick = ['# syntax=docker/dockerfile:1', '# escape=`', 'FROM berth/stack:24', 'RUN echo \\', 'FROM 58f', 'COPY `', '  --from=abc /a /a'].join('\n');
    expect(refs(backtick)).toEqual(['3 FROM berth/stack:24', '5 FROM 58f', '6 COPY --from abc']);
    // After a comment the directive is a comment: `\` still continues lines.
    const late = ['# hello', '# escape=`', 'FROM berth/stack:24', 'RUN echo \\', 'FROM 58f'].join('\n');
    expect(refs(late)).toEqual(['3 FROM berth/stack:24']);
    expect(() => refs('# escape=x\nFROM a')).toThrow(/escape/);
  });

  it('substitutes global ARG defaults in FROM, as the engine does without build args', () => {
    expect(refs([
      'ARG BASE=berth/stack',
      'ARG TAG="24" EMPTY',
      'ARG FULL=${BASE}:${TAG}',
      'FROM ${FULL}',
      'FROM $BASE:$TAG',
      'FROM ${EMPTY:-berth/stack}:${TAG:+24}',
      "FROM 'lit'eral",
      'ARG IN_STAGE=58f',
      'FROM ${IN_STAGE:-berth/stack:24}',
    ].join('\n'))).toEqual(['4 FROM berth/stack:24', '5 FROM berth/stack:24', '6 FROM berth/stack:24', '7 FROM literal', '9 FROM berth/stack:24']);
    expect(refs('ARG ID=58f\nFROM $ID')).toEqual(['2 FROM 58f']);
    expect(refs('FROM 5\\8f')).toEqual(['1 FROM 58f']);
  });

  it('refuses a reference it cannot follow, with the line', () => {
    expect(() => refs('FROM ${X/a/b}')).toThrow(/line 1: FROM \$\{X\/a\/b\} still contains a variable/);
    expect(() => refs('FROM \\$X')).toThrow(/still contains a variable/);
    expect(() => refs('FROM a\nCOPY --from=$IMG /a /a')).toThrow(/line 2: COPY --from=\$IMG uses a variable/);
    expect(() => refs('FROM')).toThrow(/requires an image/);
  });

  it('reads the ONBUILD triggers a base image brings, in the scope of its FROM', () => {
    const [, base] = dockerfileImageReferences('FROM berth/stack:24 AS deps\nFROM berth-app/mine:v1');
    expect(triggerReferences(['COPY --from=58f / /', 'COPY --from=deps / /', 'RUN true'], base!).map((r) => `${r.line} ${r.usage} ${r.ref}`))
      .toEqual(['2 ONBUILD COPY --from (from berth-app/mine:v1) 58f']);
  });
});
