/**
 * Resolving the Kubernetes target, shared by every kind that talks to the API (implemented in kube.ts).
 * client-node is loaded lazily (it is large): nothing here may import it at module top level except as a type.
 */
export interface KubeResolveOptions {
  /** kubeconfig path; default $KUBECONFIG (colon-separated list allowed) or ~/.kube/config */
  kubeconfig?: string;
  /** context name; default the kubeconfig's current-context */
  context?: string;
}
