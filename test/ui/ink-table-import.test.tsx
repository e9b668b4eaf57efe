import React from 'react';
import { render } from 'ink-testing-library';
import { describe, it, expect } from 'vitest';
import { InkTable } from '../../src/ui/components/ink-table.js';

describe('ink-table under vitest', () => {
  it('renders a row through the typed default-import shim', () => {
    const { lastFrame } = render(<InkTable data={[{ id: '1.1', status: 'PASS' }]} />);
    expect(lastFrame()).toContain('1.1');
    expect(lastFrame()).toContain('PASS');
  });
});
