/**
 * The items of a block as an ink-table: status (symbol and word), id, title, measured vs threshold, duration vs
 * estimate, sign-off state. ink-table always draws Unicode borders, pads by `.length` and colours headings blue, so
 * cells and skeleton go through our own components: theme colours (or none), ASCII borders, width-aware padding,
 * the selected row in inverse. A marker character in front of every value tells a cell whether its row is selected
 * (ink-table does not pass the row to cells); it is stripped before display.
 */
import React, { useMemo } from 'react';
import { Text } from './Text.js';
import type { Status } from '../../engine/status.js';
import { STATUS_LABEL, STATUSES } from '../../engine/status.js';
import { fit, width as strWidth } from '../format.js';
import { asciiBox, fg, STATUS_TONE, useTheme } from '../theme.js';
import { InkTable } from './ink-table.js';

export interface ItemRow {
  status: Status;
  statusText: string;
  id: string;
  title: string;
  measured: string;
  time: string;
  /** how old the latest result is, "STALE" after it when older than the item's maxAge */
  age: string;
  signoff: string;
}

const SEL = '\uE000';
const UNSEL = '\uE001';
const MARK = /[\uE000\uE001]/;

const WORD_TO_STATUS = new Map<string, Status>(STATUSES.map((s) => [STATUS_LABEL[s].word, s]));

type Col = 'status' | 'id' | 'title' | 'measured' | 'time' | 'age' | 'signoff';
const COLS: Col[] = ['status', 'id', 'title', 'measured', 'time', 'age', 'signoff'];

function headings(wide: boolean): Record<Col, string> {
  return wide
    ? { status: 'Status', id: 'ID', title: 'Title', measured: 'Measured / threshold', time: 'Time / est', age: 'Age', signoff: 'Sign-off' }
    : { status: 'Status', id: 'ID', title: 'Title', measured: 'Measured', time: 'Time/est', age: 'Age', signoff: 'Sign-off' };
}

/** Column widths (content cells, without padding) that fit `width` terminal cells. */
export function columnWidths(rows: ItemRow[], width: number, showAge = true): Record<Col, number> {
  const h = headings(width >= 110);
  const content = (c: Col) => Math.max(strWidth(h[c]), ...rows.map((r) => strWidth(c === 'status' ? r.statusText : r[c])));
  const n = showAge ? COLS.length : COLS.length - 1;
  const avail = width - (n * 2 + n + 1);
  const status = content('status');
  const id = Math.min(content('id'), 10);
  const remaining = Math.max(20, avail - status - id);
  const measured = Math.min(content('measured'), Math.max(8, Math.floor(remaining * 0.28)));
  const time = Math.min(content('time'), 13);
  const age = showAge ? Math.min(content('age'), 18) : 0;
  const signoff = Math.min(content('signoff'), Math.max(8, Math.floor(remaining * 0.18)));
  const title = Math.max(6, Math.min(content('title'), remaining - measured - time - age - signoff));
  // room left over goes to what was cut: measured first, then sign-off
  let spare = Math.max(0, avail - status - id - title - measured - time - age - signoff);
  const grow = (cur: number, c: Col) => {
    const add = Math.min(spare, Math.max(0, content(c) - cur));
    spare -= add;
    return cur + add;
  };
  const m2 = grow(measured, 'measured');
  const s2 = grow(signoff, 'signoff');
  return { status, id, title, measured: m2, time, age, signoff: s2 };
}

export function ItemTable({
  rows,
  selected,
  width,
  height,
  showAge = true,
}: {
  rows: ItemRow[];
  selected: number;
  width: number;
  /** the Age column (how old each result is, STALE past its maxAge) */
  showAge?: boolean;
  /** lines available; the table windows its rows around the selection and drops row separators when tight */
  height: number;
}): React.ReactElement {
  const theme = useTheme();
  const w = columnWidths(rows, width, showAge);
  const h = headings(width >= 110);
  const cols = showAge ? COLS : COLS.filter((c) => c !== 'age');
  const full = rows.length * 2 + 3 <= height;
  const visible = full ? rows.length : Math.max(1, height - 1);
  const start = Math.max(0, Math.min(selected - Math.floor(visible / 2), rows.length - visible));
  const shown = rows.slice(start, start + visible);

  const data = shown.map((r, i) => {
    const m = start + i === selected ? SEL : UNSEL;
    const rec: Record<string, string> = {};
    for (const c of cols) rec[SEL + h[c]] = m + fit(c === 'status' ? r.statusText : r[c], w[c], theme.ascii ? '~' : '…');
    return rec;
  });
  // a heading must be as wide as its column: pad the heading key itself
  const columns = cols.map((c) => SEL + fit(h[c], w[c]));
  const dataKeyed = data.map((rec) => Object.fromEntries(cols.map((c, i) => [columns[i]!, rec[SEL + h[c]]!])));

  const parts = useMemo(() => {
    const strip = (children: React.ReactNode): { text: string; selected: boolean } => {
      const s = String(children ?? '');
      const m = MARK.exec(s);
      if (!m) return { text: s, selected: false };
      const text = s.slice(0, m.index) + s.slice(m.index + 1);
      return { text: fit(text, s.length - 1, ''), selected: m[0] === SEL };
    };
    const Cell = ({ children, column }: { children?: React.ReactNode; column: number }) => {
      const { text, selected: sel } = strip(children);
      let tone: string | undefined;
      if (cols[column] === 'status') {
        const word = text.trim().split(/\s+/)[1] ?? '';
        const st = WORD_TO_STATUS.get(word);
        if (st) tone = fg(theme, STATUS_TONE[st]);
      }
      if (cols[column] === 'age' && text.includes('STALE')) tone = fg(theme, 'warn');
      return (
        <Text inverse={sel} color={tone}>
          {text}
        </Text>
      );
    };
    const Header = ({ children }: { children?: React.ReactNode }) => <Text bold>{strip(children).text}</Text>;
    const Skeleton = ({ children }: { children?: React.ReactNode }) => {
      let s = String(children ?? '');
      if (!full && /^[─┌┐└┘┼┬┴├┤]+$/.test(s)) return null;
      // a rule spanning a column: one shorter, like the cells whose marker character was stripped
      if (s.length > 1 && /^─+$/.test(s)) s = s.slice(1);
      return <Text color={fg(theme, 'muted')}>{theme.ascii ? asciiBox(s) : s}</Text>;
    };
    return { Cell, Header, Skeleton };
  }, [theme, full, showAge]);

  return (
    <InkTable
      data={dataKeyed}
      columns={columns}
      padding={1}
      cell={parts.Cell as never}
      header={parts.Header as never}
      skeleton={parts.Skeleton as never}
    />
  );
}
