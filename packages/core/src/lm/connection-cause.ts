/**
 * What a connection failure says to a reader: the endpoint it tried and why it failed, found in
 * the `cause` chain the openai SDK and Node's fetch build (`APIConnectionError` <- `TypeError:
 * fetch failed` <- `Error: connect ECONNREFUSED 127.0.0.1:9`).
 */

/** The endpoint as scheme, host, port and path: never credentials or a query string. */
export function describeEndpoint(baseURL: string | undefined): string {
  // The openai SDK's default when no base URL is set.
  const raw = baseURL ?? 'https://api.openai.com/v1';
  try {
    const url = new URL(raw);
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    return `${url.protocol}//${url.hostname}${port ? `:${port}` : ''}${path}`;
  } catch {
    return 'an invalid base URL';
  }
}

const EXPLAINED: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing is listening there; is the server running, and on this port?',
  ENOTFOUND: 'the host name does not resolve; check the base URL',
  EAI_AGAIN: 'DNS lookup failed; check the network or the host name',
  ECONNRESET: 'the server closed the connection',
  ETIMEDOUT: 'the connection attempt timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection attempt timed out',
  UND_ERR_SOCKET: 'the server closed the connection',
};

const isTls = (code: string): boolean =>
  /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code);

/**
 * The first error code in the cause chain with a plain explanation (`ECONNREFUSED: nothing is
 * listening...`); without a code, the innermost message (fetch's `bad port`).
 */
export function connectionCause(thrown: unknown): string | undefined {
  let current: unknown = thrown;
  let innermost: string | undefined;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') {
      if (isTls(code))
        return `TLS failure (${code}); check the certificate or use http:// for a local server`;
      return `${code}: ${EXPLAINED[code] ?? 'the connection failed'}`;
    }
    if (current instanceof Error && current.message) innermost = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return innermost;
}
