import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const prometheusQuery: CheckKind = {
  kind: 'prometheus.query',
  title: '(planned) prometheus.query',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'prometheus.query',
  run: async () => {
    throw new CheckError('check kind prometheus.query is not implemented in this version');
  },
};
