import type { ApiEnvelope, ApiMethod, ApiRequest, ApiResponse, EcgAuditApi } from '../../shared/api/index.ts';
import { ApiError } from '../../shared/api/contract.ts';
import { sessionHeader, tokenHeader } from '../../shared/security.ts';

declare global {
  interface Window {
    /** Present in Electron, set by the preload through contextBridge. */
    ecgAudit?: {
      call(method: string, request: unknown, session?: string): Promise<ApiEnvelope<unknown>>;
      /** The local path of a dropped file or folder (Electron only). */
      pathForFile(file: File): string;
    };
  }
}

function unwrap<T>(envelope: ApiEnvelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new ApiError(envelope.error.code, envelope.error.message);
}

/** Browser mode: the token arrives in the URL fragment once; keep it for the tab and take it out of the address bar. */
function browserModeToken(): string {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('ecg-audit-token', fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  return sessionStorage.getItem('ecg-audit-token') ?? '';
}

const SESSION_KEY = 'ecg-audit-session';

/**
 * The signed-in rater's session token (labels.signIn, labels.setPassphrase), sent with every call; kept for the
 * tab (sessionStorage) so a reload stays signed in, and forgotten when the rater switches.
 */
export function useSession(token: string | null): void {
  if (token) sessionStorage.setItem(SESSION_KEY, token);
  else sessionStorage.removeItem(SESSION_KEY);
}

/** The session token of this tab, if a rater signed in. */
export function currentSession(): string | undefined {
  return sessionStorage.getItem(SESSION_KEY) ?? undefined;
}

function createApi(): EcgAuditApi {
  const bridge = window.ecgAudit;
  if (bridge) {
    return {
      call: async <M extends ApiMethod>(method: M, request: ApiRequest<M>) =>
        unwrap((await bridge.call(method, request, currentSession())) as ApiEnvelope<ApiResponse<M>>),
    };
  }
  const token = browserModeToken();
  return {
    call: async <M extends ApiMethod>(method: M, request: ApiRequest<M>) => {
      const res = await fetch(`/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [tokenHeader]: token, [sessionHeader]: currentSession() ?? '' },
        body: JSON.stringify(request),
      });
      return unwrap((await res.json()) as ApiEnvelope<ApiResponse<M>>);
    },
  };
}

export const api: EcgAuditApi = createApi();

/**
 * Paths of files and folders dropped on the page. Only the desktop app can know them: a browser hides local
 * paths from pages, so in browser mode this returns null and the user types the folder instead.
 */
export function droppedPaths(transfer: DataTransfer): string[] | null {
  const bridge = window.ecgAudit;
  if (!bridge) return null;
  return [...transfer.files].map((file) => bridge.pathForFile(file)).filter((path) => path.length > 0);
}
