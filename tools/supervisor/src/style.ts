/** The terminal colours the supervisor uses. */
export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'grey' | 'bold';

const CODES: Record<Colour, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  grey: [90, 39],
  bold: [1, 22],
};

/** One colour per process, in start order, so each process's lines are told apart at a glance. */
export const PROCESS_COLOURS: readonly Colour[] = ['cyan', 'green', 'yellow', 'magenta', 'blue'];

/**
 * Wraps `text` in the colour's escape codes, or returns it unchanged when colour is off.
 *
 * @example
 * paint('ERROR', 'red', true) // '\u001b[31mERROR\u001b[39m'
 */
export function paint(text: string, colour: Colour, enabled: boolean): string {
  if (!enabled || text === '') return text;
  const [open, close] = CODES[colour];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Colour is used only on a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function colourEnabled(isTerminal: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTerminal && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** Removes colour escape codes, e.g. to measure or store a line. */
export function stripColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
