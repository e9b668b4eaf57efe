/**
 * The TUI's one <Text>: every string child goes through visibleControls (process/sanitize.ts) before Ink sees it, so
 * no text from a checklist, a variable, the journal or a check can put an escape sequence on the terminal (an OSC 52
 * in a title shows as `␛]52;…`). Screens import Text from here, never from 'ink' (test/ui/components/text.test.ts
 * holds them to it); the output pane alone prints lines the engine has sanitised already (sanitizeLine, SGR colour
 * kept), through RawOutputText.
 */
import React, { Children } from 'react';
import { Text as InkText, type TextProps } from 'ink';
import { visibleControls } from '../../process/sanitize.js';

export function Text({ children, ...props }: TextProps): React.ReactElement {
  return <InkText {...props}>{Children.map(children, (c) => (typeof c === 'string' ? visibleControls(c) : c))}</InkText>;
}

/** Lines of check output, sanitised by the engine (sanitizeLine) with their SGR colours: for OutputPane only. */
export const RawOutputText = InkText;
