/** The help overlay, generated from the keymap for the current screen. */
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useDeps, useUi } from '../context.js';
import { truncate } from '../format.js';
import { helpRows } from '../keys.js';
import { useApplicable } from '../components/Footer.js';
import { fg, useTheme } from '../theme.js';
import { currentScreen } from '../ui-store.js';

export function Help({ width, height }: { width: number; height: number }): React.ReactElement {
  const theme = useTheme();
  const screen = useUi((s) => currentScreen(s).name);
  const rows = helpRows(screen, theme.ascii, useDeps().actions.readonly, useApplicable());
  const keyW = Math.min(16, Math.max(...rows.map((r) => r.keys.length)) + 1);
  const cols = rows.length > height - 1 ? 2 : 1;
  const colW = Math.floor(width / cols);
  const perCol = Math.ceil(rows.length / cols);
  const shown = Math.max(1, height - 2);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold>{truncate(`Keys on the ${screen} screen (? or Esc to close)`, width)}</Text>
      <Box>
        {Array.from({ length: cols }, (_, ci) => (
          <Box key={ci} flexDirection="column" width={colW}>
            {rows.slice(ci * perCol, ci * perCol + Math.min(perCol, shown)).map((r) => (
              <Box key={r.keys}>
                <Text bold color={fg(theme, 'info')}>
                  {r.keys.padEnd(keyW)}
                </Text>
                <Text wrap="truncate">{truncate(r.help, Math.max(1, colW - keyW - 1))}</Text>
              </Box>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
