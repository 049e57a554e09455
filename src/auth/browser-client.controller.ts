import { Controller, Get, Headers, HttpCode, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../common/public.decorator';

/** sdk/dist/esm/index.js, built by `npm run build`; from src/auth (jest) or dist/src/auth (node). */
const BUNDLE = [join(__dirname, '..', '..', 'sdk'), join(__dirname, '..', '..', '..', 'sdk')]
  .map((sdk) => join(sdk, 'dist', 'esm', 'index.js'))
  .find((file) => existsSync(file));

/**
 * The browser client (sdk/, one ES module), so a page of the app's own origin can `import()` it with
 * no build step. Read once at start; the ETag is its hash, so a new server version is fetched anew.
 */
@Public()
@ApiExcludeController()
@Controller('sdk')
export class BrowserClientController {
  private readonly source = BUNDLE ? readFileSync(BUNDLE) : null;
  private readonly etag = this.source ? `"${createHash('sha256').update(this.source).digest('base64url').slice(0, 27)}"` : '';

  @Get('auth-client.js')
  @HttpCode(200)
  serve(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    if (!this.source) throw new NotFoundException('The browser client is not built: run npm run build');
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300, must-revalidate').header('etag', this.etag);
    if (ifNoneMatch === this.etag) return void reply.status(304).send();
    reply.send(this.source);
  }
}
