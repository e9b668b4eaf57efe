/** Always on screen: checklist, decision so far, kube context (highlighted when it looks like production), operator, clock, session. */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { useShallow } from 'zustand/react/shallow';
import type { Decision } from '../../engine/status.js';
import { useDeps, useLive, useUi } from '../context.js';
import { fmtClock, fmtEstimate, fmtTimeOfDay, truncate } from '../format.js';
import { clock } from '../clock.js';
import { fg, glyphs, looksLikeProduction, useTheme, type Tone } from '../theme.js';

export const DECISION_TONE: Record<Decision, Tone> = { GO: 'ok', 'NO-GO': 'bad', INCOMPLETE: 'warn' };

/** Re-render every second while `active` (the session is open: the clock runs whether or not a check does). */
export function useTicker(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return active ? now : Date.now();
}

export function Header({ width }: { width: number }): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const { live, actions } = useDeps();
  const { start, decision, closed } = useLive(useShallow((s) => ({ start: s.start, decision: s.decision, closed: s.closed })));
  const plan = useUi((s) => s.rehearsal);
  const presence = useLive((s) => s.presence);
  // the clock is derived from the whole state; subscribe to the pieces it reads
  useLive((s) => s.seq);
  // the clock ticks while nothing runs too: idle time is time, and it pushes the projected finish out
  const now = useTicker(Boolean(start) && !closed);
  const c = live.checklist;
  const ck = clock(c, live.store.getState(), now, plan);
  const kube = start?.kube;
  const ctxName = kube ? kube.context : 'no kube context';
  const prod = looksLikeProduction(kube?.context) || looksLikeProduction(kube?.cluster);
  const sid = start?.sessionId ?? 'new session';
  const startMs = start ? Date.parse(start.ts) : now;
  // the projected finish; "(reh)": what is left is planned from the rehearsal's durations (the overview says which)
  const proj = ck.projectedMs !== undefined ? ` ${g.arrow} ${fmtTimeOfDay(startMs + ck.projectedMs)}${ck.basis === 'rehearsal' ? ' (reh)' : ''}` : '';
  const clockText = `${fmtClock(ck.elapsedMs)} / est ${fmtEstimate(ck.estimateMs)}${proj}`;
  const decisionText = ` ${decision} `;
  const standIns = start?.standIns?.length ? ` (stand-in: ${start.standIns.join(', ')})` : '';
  const sandbox = start?.sandbox ? ` SANDBOX${standIns} ` : '';
  // line 1: title … clock, sandbox badge, decision — the title gives way first at 80 columns
  const right = `${clockText} `;
  const titleW = Math.max(10, width - decisionText.length - sandbox.length - right.length - 2);
  const ctxText = kube ? `ctx ${kube.context}${kube.cluster && kube.cluster !== kube.context ? ` (${kube.cluster})` : ''}` : ctxName;
  // line 2: the kube context (with its [PROD] mark) is never cut before the operator and session are
  const ctxFull = prod ? `${ctxText} [PROD]` : ctxText;
  // who else is attached (presence files of other processes; this one is the operator shown already)
  const others = presence.filter((p) => p.pid !== process.pid);
  const with_ = others.length
    ? ` ${g.dot} with ${others.map((p) => `${p.principal} (${p.role} since ${fmtTimeOfDay(Date.parse(p.since))})`).join(', ')}`
    : '';
  const rest = ` ${g.dot} op ${actions.operator}${with_} ${g.dot} ${sid}`;
  const ctxW = Math.min(ctxFull.length, width);
  return (
    <Box flexDirection="column" width={width}>
      <Box width={width} justifyContent="space-between">
        <Text bold wrap="truncate">
          {truncate(c.title, titleW)}
        </Text>
        <Box>
          <Text color={fg(theme, 'muted')}>{right}</Text>
          {sandbox ? (
            <Text bold inverse color={fg(theme, 'accent')}>
              {sandbox}
            </Text>
          ) : null}
          {sandbox ? <Text> </Text> : null}
          <Text bold inverse={decision !== 'INCOMPLETE'} color={fg(theme, DECISION_TONE[decision])}>
            {decisionText}
          </Text>
        </Box>
      </Box>
      <Box width={width}>
        <Text
          bold={prod}
          inverse={prod}
          color={fg(theme, prod ? 'danger' : 'info')}
          aria-label={prod ? `production context ${ctxName}` : undefined}
        >
          {truncate(ctxFull, ctxW)}
        </Text>
        <Text wrap="truncate" color={fg(theme, 'muted')}>
          {truncate(rest, Math.max(0, width - ctxW))}
        </Text>
      </Box>
      <Text color={fg(theme, 'muted')}>{g.h.repeat(width)}</Text>
    </Box>
  );
}

export const HEADER_ROWS = 3;
