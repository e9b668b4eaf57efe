/** A status as symbol and word, coloured by the theme (readable without colour). */
import React from 'react';
import { Text } from './Text.js';
import type { Status } from '../../engine/status.js';
import { fg, STATUS_TONE, statusText, useTheme } from '../theme.js';

export function StatusText({ status, bold }: { status: Status; bold?: boolean }): React.ReactElement {
  const theme = useTheme();
  return (
    <Text color={fg(theme, STATUS_TONE[status])} bold={bold}>
      {statusText(theme, status)}
    </Text>
  );
}
