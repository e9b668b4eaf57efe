import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const vaultRotation: CheckKind = {
  kind: 'vault.rotation',
  title: '(planned) vault.rotation',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'vault.rotation',
  run: async () => {
    throw new CheckError('check kind vault.rotation is not implemented in this version');
  },
};
