/**
 * Who may talk to the server: only a client that holds the per-launch token, on a request
 * addressed to this very host and port (DNS rebinding), from this origin (cross-site forms
 * and WebSockets of other local pages).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies are shared by every port of a host, so the name carries the port: two servers never clobber each other's. */
export function cookieName(port: number): string {
  return `tl_token_${port}`;
}

export class Gate {
  private readonly digest: Buffer;
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(
    token: string,
    readonly port: number,
  ) {
    this.digest = sha256(token);
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((host) => `http://${host}`));
  }

  /** Constant time: both sides are hashed first, so neither length nor content leaks. */
  tokenMatches(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === '') return false;
    return timingSafeEqual(this.digest, sha256(candidate));
  }

  /** The Host header names this server (a rebound DNS name does not). */
  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host?.toLowerCase();
    return host !== undefined && this.hosts.has(host);
  }

  /** A browser sends Origin on cross-origin requests and WebSockets; only ours may come in. Tools send none. */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return origin === undefined || this.origins.has(origin.toLowerCase());
  }

  /** The token from the Authorization header or the cookie (and, where allowed, the query). */
  authorized(req: IncomingMessage, url: URL, options: { query: boolean }): boolean {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (this.tokenMatches(match?.[1])) return true;
    }
    if (this.tokenMatches(readCookie(req, cookieName(this.port)))) return true;
    return options.query && this.tokenMatches(url.searchParams.get('token') ?? undefined);
  }

  /** HttpOnly: scripts never see it; SameSite=Strict: other sites' pages never send it. */
  cookieHeader(token: string): string {
    return `${cookieName(this.port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
