// The images a Dockerfile build reads: `FROM` bases (after the global ARG defaults), and the
// sources of `COPY/ADD --from=` and `RUN --mount=…,from=`. Earlier stages and `scratch` are
// not images. Berth passes no build args, so the defaults are exactly what the engine uses.
import { DockerfileSyntaxError, parseDockerfile, type DockerfileInstruction } from './dockerfile-lines.js';
import { expandWord, extractFlags, splitWords, unquote, type ArgValues } from './dockerfile-words.js';

export interface ImageReference {
  /** The reference as the engine will resolve it. */
  ref: string;
  line: number;
  /** How the Dockerfile uses it, for messages: `FROM`, `COPY --from`, `RUN --mount from`. */
  usage: string;
  /** Names (lowercased, '' when unnamed) of the stages before this point. */
  stages: readonly string[];
}

/** Every image the Dockerfile reads; throws DockerfileSyntaxError for what cannot be followed. */
export function dockerfileImageReferences(text: string): ImageReference[] {
  const { escape, instructions } = parseDockerfile(text);
  const globals = new Map<string, string | undefined>();
  const stages: string[] = [];
  const refs: ImageReference[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'arg' && stages.length === 0) {
      for (const word of splitWords(extractFlags(instruction.rest).rest, escape)) {
        const eq = word.indexOf('=');
        if (eq < 0) globals.set(unquote(word, escape), undefined);
        else globals.set(unquote(word.slice(0, eq), escape), expandWord(word.slice(eq + 1), globals, escape));
      }
    } else if (instruction.keyword === 'from') {
      const from = fromReference(instruction, globals, escape, stages);
      if (from.ref !== undefined) refs.push({ ref: from.ref, line: instruction.line, usage: 'FROM', stages: [...stages] });
      stages.push(from.stageName);
    } else {
      refs.push(...sourceReferences(instruction, stages));
    }
  }
  return refs;
}

/** The images an ONBUILD trigger of the base `base` reads when it runs in this build. */
export function triggerReferences(triggers: readonly string[], base: ImageReference): ImageReference[] {
  return triggers.flatMap((trigger) => parseDockerfile(trigger).instructions)
    .flatMap((instruction) => sourceReferences({ ...instruction, line: base.line }, base.stages))
    .map((ref) => ({ ...ref, usage: `ONBUILD ${ref.usage} (from ${base.ref})` }));
}

function fromReference(instruction: DockerfileInstruction, globals: ArgValues, escape: string, stages: readonly string[]): { ref?: string; stageName: string } {
  const args = extractFlags(instruction.rest).rest.split(/[ \t]+/).filter(Boolean);
  const raw = args[0];
  if (raw === undefined) throw new DockerfileSyntaxError(`line ${instruction.line}: FROM requires an image`);
  const stageName = args.length === 3 && args[1]!.toLowerCase() === 'as' ? args[2]!.toLowerCase() : '';
  const ref = expandWord(raw, globals, escape);
  if (ref.includes('$')) {
    throw new DockerfileSyntaxError(`line ${instruction.line}: FROM ${raw} still contains a variable after the global ARG defaults (Berth passes no build args); name the base image`);
  }
  if (ref === 'scratch' || isStage(ref, stages, false)) return { stageName };
  return { ref, stageName };
}

/** `COPY/ADD --from=` and `RUN --mount=…from=` sources that are images, not earlier stages. */
function sourceReferences(instruction: DockerfileInstruction, stages: readonly string[]): ImageReference[] {
  const sources: Array<{ value: string; usage: string }> = [];
  const { flags } = extractFlags(instruction.rest);
  const keyword = instruction.keyword.toUpperCase();
  for (const flag of flags) {
    if ((keyword === 'COPY' || keyword === 'ADD') && flag.name === 'from') sources.push({ value: flag.value, usage: `${keyword} --from` });
    if (keyword === 'RUN' && flag.name === 'mount') {
      for (const field of flag.value.split(',')) {
        const eq = field.indexOf('=');
        if (eq > 0 && unquote(field.slice(0, eq), '\\').trim().toLowerCase() === 'from') sources.push({ value: unquote(field.slice(eq + 1), '\\').trim(), usage: 'RUN --mount from' });
      }
    }
  }
  return sources.filter((s) => s.value !== '' && !isStage(s.value, stages, true)).map((s) => {
    // Newer builders expand variables here and the classic one does not: neither is guessed.
    if (s.value.includes('$')) throw new DockerfileSyntaxError(`line ${instruction.line}: ${s.usage}=${s.value} uses a variable; name the stage or image`);
    return { ref: s.value, line: instruction.line, usage: s.usage, stages: [...stages] };
  });
}

/** An earlier stage, by name or (for --from) by index, as the engine looks it up first. */
function isStage(value: string, stages: readonly string[], byIndex: boolean): boolean {
  const name = value.toLowerCase();
  if (name !== '' && stages.includes(name)) return true;
  return byIndex && /^[+-]?[0-9]+$/.test(value) && Number(value) >= 0 && Number(value) < stages.length;
}
