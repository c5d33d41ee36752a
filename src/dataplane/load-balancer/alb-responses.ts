import { STATUS_CODES, type ServerResponse } from 'node:http';

/**
 * The bodies ALB answers with when it answers itself (no target, target
 * failed, redirects), byte for byte, built once per status code.
 */
const pages = new Map<number, Buffer>();

/** ALB's pages carry nginx's titles where they differ from Node's reason phrases. */
const TITLES: Record<number, string> = { 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

function page(status: number): Buffer {
  let body = pages.get(status);
  if (!body) {
    const title = `${status} ${TITLES[status] ?? STATUS_CODES[status] ?? ''}`.trim();
    body = Buffer.from(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`);
    pages.set(status, body);
  }
  return body;
}

/** 502, 503, 504 and friends, as ALB writes them. A response already under way is cut instead. */
export function sendAlbError(res: ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = page(status);
  res.writeHead(status, { server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': body.length });
  res.end(body);
}

/** The same page as raw HTTP, for a WebSocket upgrade whose socket has no ServerResponse. */
export function rawAlbError(status: number): Buffer {
  const body = page(status);
  return Buffer.concat([
    Buffer.from(`HTTP/1.1 ${status} ${TITLES[status] ?? STATUS_CODES[status] ?? ''}\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
    body,
  ]);
}

export function sendFixedResponse(res: ServerResponse, status: number, contentType: string | undefined, body: Buffer): void {
  res.writeHead(status, { server: 'awselb/2.0', 'content-type': contentType ?? 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

export function sendRedirect(res: ServerResponse, status: 301 | 302, location: string): void {
  const body = page(status);
  res.writeHead(status, { server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': body.length, location });
  res.end(body);
}
