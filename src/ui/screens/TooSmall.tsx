import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { MIN_COLS, MIN_ROWS } from '../ui-store.js';

export function TooSmall({ cols, rows }: { cols: number; rows: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={Math.max(1, cols)}>
      <Text bold wrap="truncate">
        terminal too small
      </Text>
      <Text wrap="truncate">
        {cols}x{rows}, need {MIN_COLS}x{MIN_ROWS}
      </Text>
      <Text wrap="truncate">enlarge it, or q to quit</Text>
    </Box>
  );
}
