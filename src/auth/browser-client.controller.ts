import { Controller, Get, Headers, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { builtFile, StaticAsset } from '../common/static-asset';
import { Public } from '../common/public.decorator';

/** The browser client (sdk/, one ES module), so a page of the app's own origin can `import()` it with no build step. */
@Public()
@ApiExcludeController()
@Controller('sdk')
export class BrowserClientController {
  private readonly client = new StaticAsset(builtFile('sdk', 'dist', 'esm', 'index.js'), 'text/javascript; charset=utf-8');

  @Get('auth-client.js')
  @HttpCode(200)
  serve(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    this.client.send(reply, ifNoneMatch);
  }
}
