/**
 * Our own colour and glyph layer. Ink 6 ignores NO_COLOR, so components never name colours: they ask the theme
 * for a semantic tone, and with colour off the theme answers `undefined` (bold and inverse stay, so selection and
 * emphasis still read). Glyphs fall back to ASCII with --ascii or a non-UTF-8 locale.
 */
import { createContext, useContext } from 'react';
import type { Status } from '../engine/status.js';
import { STATUS_LABEL } from '../engine/status.js';

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'muted' | 'accent' | 'danger';

export interface Theme {
  color: boolean;
  ascii: boolean;
  animation: boolean;
  screenReader: boolean;
}

export interface ThemeFlags {
  /** commander's --no-color gives color: false */
  color?: boolean;
  ascii?: boolean;
  animation?: boolean;
  screenReader?: boolean;
}

/** Colour is off with --no-color, NO_COLOR (any non-empty value), FORCE_COLOR=0, or TERM=dumb. */
export function colorEnabled(env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.TERM === 'dumb') return false;
  return true;
}

/** The locale is UTF-8 when the first set of LC_ALL, LC_CTYPE, LANG names it; TERM=linux consoles get ASCII too. */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (env.TERM === 'linux') return false;
  return /utf-?8/i.test(loc);
}

export function screenReaderEnabled(env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  return flag === true || env.INK_SCREEN_READER === 'true' || env.INK_SCREEN_READER === '1';
}

export function detectTheme(env: NodeJS.ProcessEnv, flags: ThemeFlags = {}): Theme {
  const screenReader = screenReaderEnabled(env, flags.screenReader);
  return {
    color: colorEnabled(env, flags.color),
    ascii: flags.ascii === true || !localeIsUtf8(env) || screenReader,
    animation: flags.animation !== false && !screenReader,
    screenReader,
  };
}

const TONES: Record<Tone, string> = {
  ok: 'green',
  bad: 'red',
  warn: 'yellow',
  info: 'cyan',
  muted: 'gray',
  accent: 'blue',
  danger: 'redBright',
};

/** ANSI colour name for a tone (16-colour safe), or undefined when colour is off. */
export function fg(theme: Theme, tone: Tone | undefined): string | undefined {
  return theme.color && tone ? TONES[tone] : undefined;
}

export const STATUS_TONE: Record<Status, Tone> = {
  pending: 'muted',
  running: 'info',
  pass: 'ok',
  fail: 'bad',
  error: 'warn',
  timeout: 'bad',
  inconclusive: 'warn',
  blocked: 'muted',
  skipped: 'muted',
  cancelled: 'bad',
  waived: 'accent',
  'needs-signoff': 'warn',
};

/**
 * STATUS_LABEL's symbols, except three that string-width counts as two cells while terminals draw one
 * (▶ ⚠ ✍): those would shift every column after them.
 */
const SINGLE_CELL: Partial<Record<Status, string>> = { running: '▸', error: '!', 'needs-signoff': '✎' };

export function statusSymbol(theme: Theme, s: Status): string {
  return theme.ascii ? STATUS_LABEL[s].ascii : (SINGLE_CELL[s] ?? STATUS_LABEL[s].unicode);
}

/** Symbol and word, readable without colour: "✓ PASS". */
export function statusText(theme: Theme, s: Status): string {
  return `${statusSymbol(theme, s)} ${STATUS_LABEL[s].word}`;
}

export interface Glyphs {
  h: string;
  v: string;
  tl: string;
  tr: string;
  bl: string;
  br: string;
  cross: string;
  teeDown: string;
  teeUp: string;
  teeRight: string;
  teeLeft: string;
  cursor: string;
  bar: string;
  barEmpty: string;
  ellipsis: string;
  dot: string;
  arrow: string;
  spinner: string[];
  borderStyle: 'single' | 'classic';
}

const UNICODE: Glyphs = {
  h: '─', v: '│', tl: '┌', tr: '┐', bl: '└', br: '┘', cross: '┼', teeDown: '┬', teeUp: '┴', teeRight: '├', teeLeft: '┤',
  cursor: '›', bar: '█', barEmpty: '░', ellipsis: '…', dot: '·', arrow: '→',
  spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
  borderStyle: 'single',
};

const ASCII: Glyphs = {
  h: '-', v: '|', tl: '+', tr: '+', bl: '+', br: '+', cross: '+', teeDown: '+', teeUp: '+', teeRight: '+', teeLeft: '+',
  cursor: '>', bar: '#', barEmpty: '.', ellipsis: '...', dot: '-', arrow: '->',
  spinner: ['-', '\\', '|', '/'],
  borderStyle: 'classic',
};

export function glyphs(theme: Theme): Glyphs {
  return theme.ascii ? ASCII : UNICODE;
}

/** Map box-drawing characters to ASCII (used for ink-table's skeleton, which always draws Unicode). */
export function asciiBox(s: string): string {
  return s.replace(/[─┌┐└┘┼┬┴├┤│]/g, (c) => (c === '─' ? '-' : c === '│' ? '|' : '+'));
}

export const DEFAULT_THEME: Theme = { color: true, ascii: false, animation: true, screenReader: false };

export const ThemeContext = createContext<Theme>(DEFAULT_THEME);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** Context names that look like production get the danger highlight in the header. */
export function looksLikeProduction(name: string | undefined): boolean {
  return !!name && /(^|[^a-z])(prod|prd|live)/i.test(name);
}
