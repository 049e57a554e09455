import { NotFoundException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A built file of the repository (sdk/dist, account/dist): from src/x (jest) or dist/src/x (node). */
export function builtFile(...path: string[]): string | null {
  return [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].map((root) => join(root, ...path)).find((file) => existsSync(file)) ?? null;
}

/**
 * One file served as built: read once at start; the ETag is its hash, so a new server version is
 * fetched anew while an unchanged one costs a 304. Not @fastify/static (which stays for Swagger UI's
 * assets): its send answers 200 to any conditional request with `Cache-Control: no-cache`, which
 * fetch() adds to every request carrying If-None-Match, so the SDK's revalidation would never get a 304.
 */
export class StaticAsset {
  private readonly source: Buffer | null;
  private readonly etag: string;

  constructor(
    file: string | null,
    private readonly contentType: string,
  ) {
    this.source = file ? readFileSync(file) : null;
    this.etag = this.source ? `"${createHash('sha256').update(this.source).digest('base64url').slice(0, 27)}"` : '';
  }

  send(reply: FastifyReply, ifNoneMatch: string | undefined): void {
    if (!this.source) throw new NotFoundException('This file is not built: run npm run build');
    reply.header('content-type', this.contentType).header('cache-control', 'public, max-age=300, must-revalidate').header('etag', this.etag);
    if (ifNoneMatch === this.etag) return void reply.status(304).send();
    reply.send(this.source);
  }
}
