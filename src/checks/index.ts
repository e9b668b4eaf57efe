/** The registry: check kind name → its module. One file per kind; add new kinds here. */
import type { CheckKind } from './contract.js';
import { command } from './command.js';
import { file } from './file.js';
import { manual } from './manual.js';
import { kubernetesNodesReady } from './kubernetes-nodes-ready.js';
import { kubernetesNetworkPolicy } from './kubernetes-network-policy.js';
import { kubernetesVirtualservicePolicy } from './kubernetes-virtualservice-policy.js';
import { kubernetesQuery } from './kubernetes-query.js';
import { kubernetesSecretsManaged } from './kubernetes-secrets-managed.js';
import { trivyImage } from './trivy-image.js';
import { secretsScan } from './secrets-scan.js';
import { vaultHealth } from './vault-health.js';
import { vaultRotation } from './vault-rotation.js';
import { httpHealth } from './http-health.js';
import { grafanaDashboard } from './grafana-dashboard.js';
import { prometheusQuery } from './prometheus-query.js';
import { prometheusAlertHistory } from './prometheus-alert-history.js';
import { logsStructured } from './logs-structured.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ALL: CheckKind<any>[] = [
  command,
  file,
  manual,
  kubernetesNodesReady,
  kubernetesNetworkPolicy,
  kubernetesVirtualservicePolicy,
  kubernetesQuery,
  kubernetesSecretsManaged,
  trivyImage,
  secretsScan,
  vaultHealth,
  vaultRotation,
  httpHealth,
  grafanaDashboard,
  prometheusQuery,
  prometheusAlertHistory,
  logsStructured,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const KINDS: ReadonlyMap<string, CheckKind<any>> = new Map(ALL.map((k) => [k.kind, k]));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getKind(name: string): CheckKind<any> | undefined {
  return KINDS.get(name);
}
