import { z } from 'zod';
import { CheckError, type CheckKind } from './contract.js';

// Placeholder: the issue that brings this kind replaces this file. Validation refuses planned kinds.
export const prometheusAlertHistory: CheckKind = {
  kind: 'prometheus.alert-history',
  title: '(planned) prometheus.alert-history',
  description: 'Not implemented yet.',
  params: z.record(z.string(), z.unknown()),
  resultDoc: {},
  example: '',
  defaultExpect: 'false',
  planned: true,
  describe: () => 'prometheus.alert-history',
  run: async () => {
    throw new CheckError('check kind prometheus.alert-history is not implemented in this version');
  },
};
