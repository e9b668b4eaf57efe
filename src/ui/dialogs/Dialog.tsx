/**
 * The dialogs: sign-off, waiver, note, confirm a mutating run (showing the exact command), confirm quitting while
 * checks run. Their keys are handled by the one dispatcher (keys.ts); this only draws them. "saved" appears only
 * after the journal append resolved.
 */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useDeps, useLive, useUi } from '../context.js';
import { oneLine, truncate } from '../format.js';
import { findItem } from '../selectors.js';
import type { Item } from '../../checklist/model.js';
import { waiverApprovalsNeeded, waiverApprovalsOf, waiverStateText, type ItemState } from '../../engine/session-state.js';
import { fg, glyphs, useTheme, type Tone } from '../theme.js';
import type { ApproveWaiverDialog, ConfirmDecisionDialog, ConfirmRunDialog, Dialog } from '../ui-store.js';
import { clampScroll, dialogRows, dialogWindow } from './scroll-lines.js';

function Field({ label, value, focused, width, hint, choice }: { label: string; value: string; focused: boolean; width: number; hint?: string; choice?: boolean }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const shown = choice ? `${theme.ascii ? '<' : '‹'} ${value} ${theme.ascii ? '>' : '›'}` : value + (focused ? '_' : '');
  // the label column is wide enough for the longest label and a space: a label never runs into its value
  const labelW = 20;
  return (
    <Box width={width}>
      <Text bold={focused} color={focused ? fg(theme, 'info') : undefined}>
        {((focused ? g.cursor + ' ' : '  ') + label).padEnd(labelW - 1) + ' '}
      </Text>
      <Text inverse={focused} wrap="truncate">
        {truncate(shown || ' ', Math.max(4, width - labelW - 1 - (hint ? Math.min(hint.length + 1, 30) : 0)))}
      </Text>
      {hint ? <Text color={fg(theme, 'muted')}> {truncate(hint, 30)}</Text> : null}
    </Box>
  );
}

function Status({ d, width }: { d: Extract<Dialog, { phase: string }>; width: number }): React.ReactElement | null {
  const theme = useTheme();
  if (!d.message) return null;
  const tone: Tone = d.phase === 'saved' ? 'ok' : d.phase === 'error' ? 'bad' : 'info';
  const suffix = d.phase === 'saved' || d.phase === 'error' ? ' (any key)' : '';
  return (
    <Text bold color={fg(theme, tone)} wrap="wrap">
      {(d.phase === 'saved' ? 'saved: ' : '') + d.message + suffix}
    </Text>
  );
}

/**
 * What an approver weighs, from the session as it is now: who waived (principal and key), why, until when, the
 * result and evidence it accepts, and how many approvals it has and needs.
 */
function waiverFacts(item: Item, st: ItemState | undefined, seq: number, dot: string): { text: string; tone?: Tone; wrap?: true }[] {
  const w = st?.waiver;
  if (!st || !w || w.seq !== seq) return [{ text: `#${seq} is no longer the current waiver of ${item.id}: nothing to approve here`, tone: 'warn' }];
  const now = new Date();
  const evidence = w.evidence;
  const files = st.attempts.flatMap((a) => a.evidence).filter((e) => evidence?.includes(e.sha256));
  const result = st.result && !w.stale ? `attempt ${st.result.attempt} ${st.result.verdict.toUpperCase()}: ${oneLine(st.result.summary)}` : undefined;
  const accepts =
    evidence === undefined
      ? 'any result (a waiver recorded before waivers were bound to evidence)'
      : !evidence.length
        ? 'no result (the item had not run when it was waived)'
        : (result ?? `evidence ${evidence.map((e) => e.slice(0, 12)).join(', ')}`);
  const need = waiverApprovalsNeeded(item);
  const have = waiverApprovalsOf(w);
  const state = waiverStateText(item, w, now);
  return [
    { text: `waived by ${w.by}, ${w.statement ? `key ${w.statement.keyFingerprint}` : 'UNSIGNED'} ${dot} journal #${w.seq} at ${w.ts}` },
    { text: `reason: ${oneLine(w.reason)}`, wrap: true },
    ...(w.compensatingControl ? [{ text: `compensating control: ${oneLine(w.compensatingControl)}` }] : []),
    { text: `expires: ${w.expires}` },
    { text: `accepts: ${accepts}` },
    ...(files.length ? [{ text: `evidence: ${files.map((e) => `${e.path} (${e.sha256.slice(0, 12)})`).join(', ')}` }] : []),
    {
      text: `approvals: ${have.length} of ${need}${have.length ? ` (${have.map((a) => a.by).join(', ')})` : ''} ${dot} ${state}`,
      tone: state.startsWith('in force') ? 'accent' : /^awaits/.test(state) ? 'warn' : 'bad',
    },
  ];
}

/** `a`: the waiver to approve, the question, the optional comment. */
function ApproveWaiver({ d, st, inner }: { d: ApproveWaiverDialog; st: ItemState | undefined; inner: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, actions } = useDeps();
  const it = findItem(live.checklist, d.item);
  return (
    <>
      <Text bold wrap="truncate">
        {truncate(`Approve waiver #${d.waiver} on ${d.item} ${it?.title ?? ''}?`, inner)}
      </Text>
      {(it ? waiverFacts(it, st, d.waiver, g.dot) : []).map((l, i) => (
        <Text key={i} color={l.tone ? fg(theme, l.tone) : undefined} wrap={l.wrap ? 'wrap' : 'truncate'}>
          {l.wrap ? l.text : truncate(l.text, inner)}
        </Text>
      ))}
      <Text color={fg(theme, 'muted')} wrap="truncate">
        {truncate(`approving as ${actions.operator}, signed with your key ${g.dot} recorded in the journal before it shows as saved`, inner)}
      </Text>
      <Text bold={d.field === 0} color={d.field === 0 ? fg(theme, 'info') : undefined} wrap="truncate">
        {truncate(`${d.field === 0 ? g.cursor : ' '} y / Enter approve ${g.dot} n / Esc cancel ${g.dot} Tab add a comment`, inner)}
      </Text>
      <Field label="comment" value={d.comment} focused={d.field === 1} width={inner} hint="optional (Tab)" />
      <Status d={d} width={inner} />
    </>
  );
}

/** A dialog's list, wrapped (never cut) and scrolled: what is above and below the window is said. */
function ScrolledRows({ d, inner, height, tone }: { d: ConfirmRunDialog | ConfirmDecisionDialog; inner: number; height: number; tone?: Tone }): React.ReactElement {
  const theme = useTheme();
  const rows = dialogRows(d, inner);
  const win = dialogWindow(d, height);
  const top = clampScroll(d.scroll ?? 0, rows.length, win);
  const below = rows.length - top - win;
  return (
    <>
      {top > 0 ? <Text color={fg(theme, 'muted')}>{`${theme.ascii ? '^' : '↑'} ${top} more line${top === 1 ? '' : 's'} above`}</Text> : null}
      {rows.slice(top, top + win).map((l, i) => (
        <Text key={top + i} color={tone ? fg(theme, tone) : undefined} wrap="truncate">
          {l}
        </Text>
      ))}
      {below > 0 ? (
        <Text color={fg(theme, 'muted')}>{`${theme.ascii ? 'v' : '↓'} ${below} more line${below === 1 ? '' : 's'} below (${theme.ascii ? 'up/down' : '↑/↓'} scroll)`}</Text>
      ) : null}
    </>
  );
}

export function DialogView({ width, height }: { width: number; height: number }): React.ReactElement | null {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, actions } = useDeps();
  const d = useUi((s) => s.dialog);
  // the item whose waiver is being approved, as the journal has it now (another approval may arrive meanwhile)
  const approving = useLive((s) => (d?.kind === 'approve-waiver' ? s.items[d.item] : undefined));
  if (!d) return null;
  const inner = width - 4;
  const title = (t: string) => (
    <Text bold wrap="truncate">
      {truncate(t, inner)}
    </Text>
  );
  let body: React.ReactElement;
  if (d.kind === 'signoff') {
    const it = findItem(live.checklist, d.item);
    body = (
      <>
        {title(`Sign off ${d.item} ${it?.title ?? ''}`)}
        <Text color={fg(theme, 'muted')} wrap="truncate">
          {truncate(`as ${actions.operator} ${g.dot} recorded in the journal before it shows as saved`, inner)}
        </Text>
        {d.notice ? (
          <Text color={fg(theme, 'warn')} wrap="wrap">
            {d.notice}
          </Text>
        ) : null}
        <Field label="decision" value={d.decision} focused={d.field === 0} width={inner} choice hint="←/→ a approve, x reject" />
        <Field label="role" value={d.role} focused={d.field === 1} width={inner} choice={d.roles.length > 0} hint={d.roles.length ? '←/→ choose' : 'optional'} />
        <Field label="comment" value={d.comment} focused={d.field === 2} width={inner} hint={d.decision === 'reject' ? 'required' : 'optional'} />
        <Status d={d} width={inner} />
      </>
    );
  } else if (d.kind === 'waiver') {
    body = (
      <>
        {title(`Waive ${d.item} ${findItem(live.checklist, d.item)?.title ?? ''}`)}
        <Text color={fg(theme, 'muted')} wrap="truncate">
          {truncate(`accepting the risk as ${actions.operator}`, inner)}
        </Text>
        <Field label="reason" value={d.reason} focused={d.field === 0} width={inner} hint="required" />
        <Field label="expires" value={d.expires} focused={d.field === 1} width={inner} hint="YYYY-MM-DD" />
        <Field label="compensating ctl" value={d.control} focused={d.field === 2} width={inner} hint="optional" />
        <Status d={d} width={inner} />
      </>
    );
  } else if (d.kind === 'approve-waiver') {
    body = <ApproveWaiver d={d} st={approving} inner={inner} />;
  } else if (d.kind === 'note') {
    body = (
      <>
        {title(d.item ? `Note on ${d.item}` : 'Note on the session')}
        <Field label="text" value={d.text} focused width={inner} />
        <Status d={d} width={inner} />
      </>
    );
  } else if (d.kind === 'confirm-run') {
    body = (
      <>
        {title(`${d.mutating.length ? 'This changes the environment. ' : ''}Run ${d.ids.length === 1 ? d.ids[0] : `${d.ids.length} items`}?`)}
        {d.warning ? (
          <Text color={fg(theme, 'warn')} wrap="wrap">
            {d.warning}
          </Text>
        ) : null}
        <ScrolledRows d={d} inner={inner} height={height} tone="danger" />
        <Text bold>y run {g.dot} n / Esc cancel</Text>
      </>
    );
  } else if (d.kind === 'orphans') {
    const maxLines = Math.max(1, height - 7);
    body = (
      <>
        {title(`Leftover check processes: ${d.pgids.length} process group${d.pgids.length === 1 ? '' : 's'}`)}
        <Text wrap="wrap">A readiness-tui that died (killed, power loss) left these checks running:</Text>
        {d.lines.slice(0, maxLines).map((l, i) => (
          <Text key={i} color={fg(theme, 'warn')} wrap="wrap">
            {l}
          </Text>
        ))}
        {d.lines.length > maxLines ? <Text color={fg(theme, 'muted')}>{`(${d.lines.length - maxLines} more)`}</Text> : null}
        <Text bold>y terminate them {g.dot} n / Esc leave them running</Text>
      </>
    );
  } else if (d.kind === 'handover') {
    body = (
      <>
        {title('Hand the driver role over?')}
        <Text wrap="wrap">
          {d.running.length
            ? `${d.running.join(', ')} finish here first and are journaled; no new runs start. `
            : ''}
          Then the session is free: a watcher drives with `readiness-tui FILE`. This screen keeps watching.
        </Text>
        <Text bold>y hand over {g.dot} n / Esc keep driving</Text>
      </>
    );
  } else if (d.kind === 'confirm-decision') {
    const final = d.decision !== 'INCOMPLETE';
    const head = d.already
      ? `The final decision ${d.already.decision} is recorded (journal #${d.already.seq}) and nothing changed since: write the report again?`
      : final
        ? `Record the final decision ${d.decision} and write the signed report?`
        : 'The decision is INCOMPLETE: write an interim report (not a final decision)?';
    body = (
      <>
        {title(head)}
        <Text color={fg(theme, 'muted')}>It rests on:</Text>
        <ScrolledRows d={d} inner={inner} height={height} />
        {d.refusal ? (
          <Text bold color={fg(theme, 'bad')} wrap="wrap">
            {`cannot be recorded: ${d.refusal}`}
          </Text>
        ) : null}
        <Text bold>{d.refusal ? `n / Esc back` : `y ${d.already ? 'write the report' : final ? `record ${d.decision} and write the report` : 'write the interim report'} ${g.dot} n / Esc back`}</Text>
      </>
    );
  } else {
    body = (
      <>
        {title(`${d.running.length} check(s) running: ${d.running.join(', ')}`)}
        <Text>Quit and cancel them? Their process groups are killed and the cancellation is journaled.</Text>
        <Text bold>y quit {g.dot} n / Esc stay</Text>
      </>
    );
  }
  return (
    <Box flexDirection="column" width={width} borderStyle={g.borderStyle} borderColor={fg(theme, d.kind === 'confirm-run' ? 'danger' : 'info')} paddingX={1}>
      {body}
    </Box>
  );
}
