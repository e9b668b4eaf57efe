import '../../support/no-ci.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { Text } from '../../../src/ui/components/Text.js';
import { renderTui } from '../../support/render.js';

const UI = path.resolve(import.meta.dirname, '../../../src/ui');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : [],
  );
}

describe('Text: the one place the TUI renders text', () => {
  it('shows an OSC 52, an OSC 0 and C1 controls in its strings instead of sending them to the terminal', async () => {
    const r = renderTui(
      <Text>
        {'block \x1b]52;c;ZXZpbA==\x07 '}
        {'item \x1b]0;pwned\x07 \x9b2J'}
      </Text>,
      { cols: 80, rows: 3 },
    );
    try {
      await r.waitFor('block ␛]52;c;ZXZpbA==␇ item ␛]0;pwned␇ ␛[2J');
      expect(r.raw()).not.toMatch(/\x1b\]52|\x1b\]0;pwned|\x9b/);
    } finally {
      r.unmount();
    }
  });

  it("no screen or component takes Text from 'ink' directly", () => {
    const offenders = sources(UI).filter((f) => {
      if (f.endsWith(path.join('components', 'Text.tsx'))) return false;
      const imp = /import \{([^}]*)\} from 'ink'/.exec(readFileSync(f, 'utf8'));
      return imp !== null && /\bText\b/.test(imp[1]!);
    });
    expect(offenders.map((f) => path.relative(UI, f))).toEqual([]);
  });
});
