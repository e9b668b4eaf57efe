/** Before a checklist is open: pick one of ./checklist/*.yaml and the bundled checklists. */
import React, { useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../components/Text.js';
import { toKeys } from '../keys.js';
import { fg, glyphs, useTheme } from '../theme.js';
import { truncate } from '../format.js';

export interface PickerEntry {
  path: string;
  label: string;
  origin: 'here' | 'bundled';
}

export function Picker({
  entries,
  width,
  onPick,
  onReady,
}: {
  entries: PickerEntry[];
  width: number;
  onPick: (p: string | undefined) => void;
  onReady?: () => void;
}): React.ReactElement {
  const theme = useTheme();
  const g = glyphs(theme);
  const [sel, setSel] = useState(0);
  const selRef = React.useRef(0);
  const move = (n: number) => {
    selRef.current = Math.max(0, Math.min(entries.length - 1, n));
    setSel(selRef.current);
  };
  useInput((input, key) => {
    for (const k of toKeys(input, key)) {
      if (k === 'up' || k === 'k') move(selRef.current - 1);
      else if (k === 'down' || k === 'j') move(selRef.current + 1);
      else if (k === 'g' || k === 'home') move(0);
      else if (k === 'G' || k === 'end') move(entries.length - 1);
      else if (k === 'enter') return onPick(entries[selRef.current]?.path);
      else if (k === 'q' || k === 'escape' || k === 'ctrl-c') return onPick(undefined);
    }
  });
  React.useEffect(() => onReady?.(), []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>readiness-tui {g.dot} choose a checklist</Text>
      <Text color={fg(theme, 'muted')}>{truncate(`↑↓/j/k move ${g.dot} Enter open ${g.dot} q quit`, width)}</Text>
      <Text> </Text>
      {entries.map((e, i) => (
        <Text key={e.path} inverse={i === sel} wrap="truncate">
          {truncate(`${i === sel ? g.cursor : ' '} ${e.label}  (${e.origin === 'here' ? e.path : 'bundled'})`, width)}
        </Text>
      ))}
    </Box>
  );
}
