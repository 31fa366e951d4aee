/**
 * The Content-Security-Policy of every page the app shows, in Electron and in browser mode: nothing
 * remote, no inline script, no eval. Inline styles are allowed because ECharts and Vue set style attributes.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Name of the header that carries the browser-mode secret token. */
export const tokenHeader = 'x-ecg-audit-token';

/** Name of the header that carries a signed-in rater's session token (`labels.signIn`) in browser mode. */
export const sessionHeader = 'x-ecg-audit-session';
