import { createWriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { HttpConnectionConfig } from './connection.ts';
import { GatewayUnreachableError, type GatewayClient, type RemoteFile } from './gateway-client.ts';

/**
 * One entry of an HTTP gateway's listing (docs/agent.md, "HTTP listing contract"). The shape
 * nginx writes with `autoindex_format json`, so a stock nginx can serve a drop folder:
 * `mtime` is any date `Date.parse` reads (ISO 8601, or RFC 1123 as nginx writes it) or
 * milliseconds since the epoch; entries with a `type` other than `file` are skipped.
 */
const listingEntrySchema = z.object({
  name: z.string().min(1),
  type: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  mtime: z.union([z.string(), z.number()]),
});
const listingSchema = z.array(listingEntrySchema);

/**
 * Opens a client for an HTTP(S) gateway. HTTP is stateless, so nothing is contacted here:
 * the first listing is the connection test. TLS certificates are verified as usual.
 */
export function connectHttpGateway(conn: HttpConnectionConfig, log: Logger): GatewayClient {
  const httpAgent = new http.Agent({ keepAlive: true });
  // Certificates are always verified; `caCertificate` only changes whom to trust.
  const httpsAgent = new https.Agent({ keepAlive: true, ca: conn.caCertificate });
  const client = axios.create({
    timeout: conn.timeoutSeconds * 1000,
    auth:
      conn.username !== undefined && conn.password !== undefined
        ? { username: conn.username, password: conn.password }
        : undefined,
    httpAgent,
    httpsAgent,
    // Statuses are turned into sentences here, not by axios.
    validateStatus: () => true,
    maxRedirects: 0,
  });
  return new HttpGatewayClient(conn, client, log, () => {
    httpAgent.destroy();
    httpsAgent.destroy();
  });
}

class HttpGatewayClient implements GatewayClient {
  constructor(
    private readonly conn: HttpConnectionConfig,
    private readonly http: AxiosInstance,
    private readonly log: Logger,
    private readonly release: () => void,
  ) {}

  async list(dir: string): Promise<RemoteFile[]> {
    const url = this.dirUrl(dir);
    const res = await this.send(() =>
      this.http.get<unknown>(url, { headers: { accept: 'application/json' } }),
    );
    this.check(res.status, url, 'list');
    const parsed = listingSchema.safeParse(res.data);
    if (!parsed.success) {
      throw new Error(
        `the HTTP gateway's listing at ${url} is not a JSON list of {name, size, mtime} ` +
          '(see docs/agent.md, "HTTP listing contract"; nginx: autoindex_format json)',
      );
    }
    const files: RemoteFile[] = [];
    for (const e of parsed.data) {
      if (e.type !== undefined && e.type !== 'file') continue;
      if (e.name.includes('/') || e.name === '.' || e.name === '..') continue;
      const mtimeMs = typeof e.mtime === 'number' ? e.mtime : Date.parse(e.mtime);
      if (e.size === undefined || Number.isNaN(mtimeMs)) {
        this.log.warn({ entry: e }, 'listing entry without a size or a readable mtime; skipped');
        continue;
      }
      files.push({ name: e.name, size: e.size, mtimeMs });
    }
    return files;
  }

  async download(dir: string, name: string, localPath: string): Promise<void> {
    const url = this.fileUrl(dir, name);
    const res = await this.send(() =>
      this.http.get<NodeJS.ReadableStream>(url, { responseType: 'stream' }),
    );
    if (res.status !== 200) {
      // The body of an error answer is not the file; drain it so the socket is reused.
      (res.data as unknown as { resume?: () => void }).resume?.();
      this.check(res.status, url, 'download');
    }
    // axios' timeout ends with the headers: a body that stops flowing is caught here.
    const body = res.data as NodeJS.ReadableStream & { destroy(err: Error): void };
    const stallMs = this.conn.timeoutSeconds * 1000;
    let timer = setTimeout(stalled, stallMs);
    function stalled(): void {
      body.destroy(new Error(`the HTTP gateway stopped sending ${url} for ${stallMs / 1000} s`));
    }
    body.on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(stalled, stallMs);
    });
    try {
      await pipeline(body, createWriteStream(localPath));
    } finally {
      clearTimeout(timer);
    }
  }

  async remove(dir: string, name: string): Promise<void> {
    const url = this.fileUrl(dir, name);
    const res = await this.send(() => this.http.delete(url));
    this.check(res.status, url, 'delete');
  }

  move(): Promise<void> {
    return Promise.reject(
      new Error('an HTTP gateway cannot move files: set afterBuffer to "keep" or "delete"'),
    );
  }

  async exists(dir: string): Promise<boolean> {
    const url = this.dirUrl(dir);
    const res = await this.send(() =>
      this.http.get<unknown>(url, { headers: { accept: 'application/json' } }),
    );
    if (res.status === 404) return false;
    this.check(res.status, url, 'list');
    return true;
  }

  close(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  private dirUrl(dir: string): string {
    const base = this.conn.url.replace(/\/+$/, '');
    const segments = dir
      .split('/')
      .filter((s) => s !== '' && s !== '.')
      .map(encodeURIComponent);
    return `${[base, ...segments].join('/')}/`;
  }

  private fileUrl(dir: string, name: string): string {
    return `${this.dirUrl(dir)}${encodeURIComponent(name)}`;
  }

  /** Network failures in plain words (no answer at all). */
  private async send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      const code = err instanceof AxiosError ? err.code : undefined;
      throw new GatewayUnreachableError(
        `cannot reach the HTTP gateway ${this.conn.url}${code ? ` (${code})` : ''}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private check(status: number, url: string, what: string): void {
    if (status >= 200 && status < 300) return;
    const hint =
      status === 401 || status === 403
        ? ': check the user name and password in the ride settings'
        : status === 404
          ? ': check the gateway URL and the remote folder'
          : '';
    throw new Error(`the HTTP gateway answered ${status} to ${what} ${url}${hint}`);
  }
}
