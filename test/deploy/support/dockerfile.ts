/**
 * A reader of the Dockerfile syntax deploy/Dockerfile uses: instructions with `\` continuations and
 * comments, `--flag=value` options, exec (JSON) and shell forms, stages (`FROM … AS name`), ARG and
 * ENV with `${VAR}` substitution in the instructions that substitute (FROM, COPY, ENV, EXPOSE, LABEL,
 * USER, WORKDIR). Enough to check, without an engine, what each image would copy, expose and run.
 */

export interface Instruction {
  keyword: string;
  /** Options before the arguments: `--from=build` → from: build. */
  flags: Record<string, string>;
  /** The arguments as written (after the flags). */
  raw: string;
  /** The exec form's array, when the arguments are a JSON array. */
  json?: string[];
  line: number;
}

export interface Stage {
  name?: string;
  base: string;
  index: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

const SUBSTITUTING = new Set(['FROM', 'COPY', 'ADD', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'WORKDIR', 'STOPSIGNAL', 'VOLUME', 'ARG']);

/** Splits a Dockerfile into instructions (parser directives and comments dropped). */
export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buffer = '';
  let start = 0;
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (buffer !== '' && trimmed.startsWith('#')) return; // comment lines inside a continuation
    if (buffer === '') start = index + 1;
    if (trimmed.endsWith('\\')) {
      buffer += trimmed.slice(0, -1) + ' ';
      return;
    }
    buffer += trimmed;
    const match = /^([A-Za-z]+)\s*(.*)$/s.exec(buffer);
    if (!match) throw new Error(`Dockerfile line ${start}: cannot read ${buffer}`);
    let rest = (match[2] ?? '').trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)) {
      flags[flag[1] as string] = flag[2] ?? 'true';
      rest = rest.slice(flag[0].length);
    }
    const instruction: Instruction = { keyword: (match[1] as string).toUpperCase(), flags, raw: rest, line: start };
    if (rest.startsWith('[')) {
      try {
        const parsed = JSON.parse(rest) as unknown;
        if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) instruction.json = parsed;
      } catch {
        // Not valid JSON: Docker then runs it in the shell form, which the checks refuse where they want exec.
      }
    }
    instructions.push(instruction);
    buffer = '';
  });
  if (buffer !== '') throw new Error('Dockerfile ends inside a continuation');
  return instructions;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.raw);
      if (!match) throw new Error(`Dockerfile line ${instruction.line}: FROM ${instruction.raw}`);
      stages.push({ base: match[1] as string, ...(match[2] ? { name: match[2] } : {}), index: stages.length, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before FROM`);
      const [name, value] = instruction.raw.split('=', 2) as [string, string | undefined];
      globalArgs[name] = value;
    } else {
      (stages[stages.length - 1] as Stage).instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `${NAME}`, `$NAME` and `${NAME:-default}` replaced from `vars`; an unset variable is an error. */
export function substitute(text: string, vars: Record<string, string | undefined>, where: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: $${name} is not set`);
  });
}

/** Splits `KEY=value KEY2=value2` (ENV, LABEL) into pairs; values may be double-quoted. */
export function keyValues(raw: string): [string, string][] {
  const pairs: [string, string][] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const match of raw.matchAll(pattern)) pairs.push([match[1] as string, (match[2] as string).replace(/^"(.*)"$/s, '$1')]);
  return pairs;
}

/**
 * The final stage as one build would see it, for the given build arguments: its WORKDIR, USER,
 * EXPOSE, ENV, HEALTHCHECK and CMD with every variable substituted.
 */
export interface ImageConfig {
  base: string;
  workdir: string;
  user?: string;
  expose: string[];
  env: Record<string, string>;
  healthcheck?: Instruction;
  cmd?: Instruction;
  /** COPY instructions of every stage: the stage, the sources (substituted), --from. */
  copies: { stage: string; sources: string[]; destination: string; from?: string; line: number }[];
}

export function imageConfig(dockerfile: Dockerfile, buildArgs: Record<string, string>): ImageConfig {
  const globals: Record<string, string | undefined> = { ...dockerfile.globalArgs };
  for (const name of Object.keys(globals)) if (buildArgs[name] !== undefined) globals[name] = buildArgs[name];
  const copies: ImageConfig['copies'] = [];
  let final: ImageConfig | undefined;
  for (const stage of dockerfile.stages) {
    const where = `stage ${stage.name ?? stage.index}`;
    const vars: Record<string, string | undefined> = {};
    const base = substitute(stage.base, globals, where);
    const config: ImageConfig = { base, workdir: '/', expose: [], env: {}, copies };
    for (const instruction of stage.instructions) {
      const at = `${where}, line ${instruction.line}`;
      const value = (raw: string) => (SUBSTITUTING.has(instruction.keyword) ? substitute(raw, { ...globals, ...vars, ...config.env }, at) : raw);
      switch (instruction.keyword) {
        case 'ARG': {
          const [name, fallback] = instruction.raw.split('=', 2) as [string, string | undefined];
          vars[name] = buildArgs[name] ?? fallback ?? globals[name];
          break;
        }
        case 'ENV':
          for (const [key, raw] of keyValues(instruction.raw)) config.env[key] = value(raw);
          break;
        case 'WORKDIR': {
          const dir = value(instruction.raw);
          config.workdir = dir.startsWith('/') ? dir : `${config.workdir.replace(/\/$/, '')}/${dir}`;
          break;
        }
        case 'USER':
          config.user = value(instruction.raw);
          break;
        case 'EXPOSE':
          config.expose.push(...value(instruction.raw).split(/\s+/));
          break;
        case 'HEALTHCHECK':
          config.healthcheck = instruction;
          break;
        case 'CMD':
          config.cmd = instruction;
          break;
        case 'COPY':
        case 'ADD': {
          const parts = (instruction.json ?? value(instruction.raw).split(/\s+/)).map((p) => value(p));
          const destination = parts.pop() as string;
          copies.push({ stage: stage.name ?? String(stage.index), sources: parts, destination, ...(instruction.flags.from ? { from: instruction.flags.from } : {}), line: instruction.line });
          break;
        }
        default:
          break;
      }
    }
    final = config;
  }
  if (!final) throw new Error('the Dockerfile has no stage');
  return final;
}
