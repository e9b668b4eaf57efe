import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const file: CheckKind = {
  kind: 'file',
  title: '(planned) file',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'file',
  run: async () => {
    throw new CheckError('check kind file is not implemented in this version');
  },
};
