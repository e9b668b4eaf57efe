/**
 * Turning what client-node throws (ApiException, node-fetch FetchError, AbortError, TLS errors) into a CheckError
 * that says what went wrong, where, and what to do. A problem reaching or talking to the API server is always
 * "could not run" (status `error`), never `fail`.
 */
import { CheckError, type KubeTarget } from '../contract.js';

export interface KubeErrorContext {
  target: Pick<KubeTarget, 'context' | 'server' | 'user'>;
  /** what we were doing, e.g. "list nodes" or "list virtualservices.networking.istio.io in detektor" */
  action: string;
  /** the check's signal: an abort on it is a cancel/timeout of the check, not a dead server */
  signal?: AbortSignal;
  requestTimeoutMs?: number;
}

/** HTTP status of an ApiException-like error, else undefined */
export function kubeStatusCode(e: unknown): number | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'number') {
    return (e as { code: number }).code;
  }
  return undefined;
}

/** the `message` of a Kubernetes Status body carried by an ApiException, if any (never headers) */
export function kubeStatusMessage(e: unknown): string | undefined {
  if (!e || typeof e !== 'object' || !('body' in e)) return undefined;
  let body: unknown = (e as { body: unknown }).body;
  if (typeof body === 'string') {
    const raw = body;
    try {
      body = JSON.parse(raw);
    } catch {
      return raw.trim().split('\n')[0]?.slice(0, 300) || undefined;
    }
  }
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return undefined;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

function errCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as { code?: unknown; errno?: unknown; cause?: unknown };
  if (typeof o.code === 'string') return o.code;
  if (typeof o.errno === 'string') return o.errno;
  if (o.cause) return errCode(o.cause);
  return undefined;
}

function isAbort(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const o = e as { name?: unknown; type?: unknown };
  return o.name === 'AbortError' || o.type === 'aborted' || o.name === 'TimeoutError';
}

/**
 * Map any error from a client-node call to a CheckError. `notFound` lets the caller phrase a 404 (e.g. "the
 * networking.istio.io API is not installed"); without it a 404 says the resource type or object does not exist.
 */
export function kubeError(e: unknown, c: KubeErrorContext, notFound?: () => CheckError): CheckError {
  if (e instanceof CheckError) return e;
  const where = `${c.target.server} (context ${c.target.context})`;
  const status = kubeStatusCode(e);
  if (status !== undefined) {
    const detail = kubeStatusMessage(e);
    switch (status) {
      case 401:
        return new CheckError(
          `credentials rejected by the API server at ${where} while trying to ${c.action} (401 Unauthorized)`,
          'your token or client certificate is invalid or expired: log in again (cloud CLI / OIDC) and check with `kubectl --context ' +
            `${c.target.context} get --raw /version\``,
        );
      case 403:
        return new CheckError(
          `credentials rejected: ${c.target.user ? `user "${c.target.user}"` : 'the current user'} may not ${c.action} at ${where} (403 Forbidden${detail ? `: ${detail}` : ''})`,
          `grant read access (RBAC) for this check, or use a context with more rights; check with \`kubectl --context ${c.target.context} auth can-i --list\``,
        );
      case 404:
        if (notFound) return notFound();
        return new CheckError(
          `not found while trying to ${c.action} at ${where}${detail ? `: ${detail}` : ''}`,
          'check the resource name, namespace and API group/version (`kubectl api-resources`)',
        );
      case 429:
      case 500:
      case 502:
      case 503:
      case 504:
        return new CheckError(
          `the API server at ${where} answered ${status} while trying to ${c.action}${detail ? `: ${detail}` : ''}`,
          'the control plane is overloaded or unhealthy: retry the check, and look at the API server health (`kubectl get --raw /readyz?verbose`)',
        );
      default:
        return new CheckError(
          `the API server at ${where} answered ${status} while trying to ${c.action}${detail ? `: ${detail}` : ''}`,
          'check the parameters of this check and your access rights',
        );
    }
  }
  if (isAbort(e)) {
    if (c.signal?.aborted) {
      return new CheckError(`cancelled while trying to ${c.action} at ${where}`, 'run the check again when ready');
    }
    const secs = c.requestTimeoutMs ? ` within ${Math.round(c.requestTimeoutMs / 100) / 10}s` : '';
    return new CheckError(
      `API server unreachable at ${c.target.server}: no answer${secs} while trying to ${c.action}`,
      `check the network path / VPN to the cluster and that context "${c.target.context}" points at the right server`,
    );
  }
  const code = errCode(e);
  if (code && TLS_CODES.has(code)) {
    return new CheckError(
      `TLS verification of the API server at ${where} failed (${code})`,
      'the kubeconfig\'s certificate-authority does not match the server certificate: refresh the kubeconfig for this cluster',
    );
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new CheckError(
      `API server unreachable at ${c.target.server} (${code}) while trying to ${c.action}`,
      `check the network path / VPN to the cluster and that context "${c.target.context}" points at the right server`,
    );
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new CheckError(
    `could not ${c.action} at ${where}: ${msg.split('\n')[0]?.slice(0, 300)}`,
    `check that the cluster is reachable: \`kubectl --context ${c.target.context} get --raw /version\``,
  );
}

/** run one API call; any failure becomes the CheckError kubeError() makes of it */
export async function kubeCall<T>(
  c: KubeErrorContext,
  fn: () => Promise<T>,
  notFound?: () => CheckError,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kubeError(e, c, notFound);
  }
}
