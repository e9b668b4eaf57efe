import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const manual: CheckKind = {
  kind: 'manual',
  title: '(planned) manual',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'manual',
  run: async () => {
    throw new CheckError('check kind manual is not implemented in this version');
  },
};
