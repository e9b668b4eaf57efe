import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const kubernetesQuery: CheckKind = {
  kind: 'kubernetes.query',
  title: '(planned) kubernetes.query',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'kubernetes.query',
  run: async () => {
    throw new CheckError('check kind kubernetes.query is not implemented in this version');
  },
};
