import { Controller, Get, Headers, HttpCode, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { builtFile, StaticAsset } from '../common/static-asset';
import { Public } from '../common/public.decorator';

const JS = 'text/javascript; charset=utf-8';
const asset = (file: string, type: string) => new StaticAsset(builtFile('account', 'dist', file), type);

/**
 * The account page (account/, built by `npm run build`): HTML, its one script and stylesheet, all from
 * this origin so the service's CSP (script-src 'self') holds. The page calls the API through the sdk
 * in cookie mode, like any app of this origin.
 */
@Public()
@ApiExcludeController()
@Controller('account')
export class AccountPageController {
  private readonly page = asset('index.html', 'text/html; charset=utf-8');
  /** A fixed list: nothing else under account/dist is reachable. */
  private readonly files = new Map([
    // One script: the page's modules and the QR encoder, bundled by account/build.cjs.
    ['app.js', asset('app.js', JS)],
    ['styles.css', asset('styles.css', 'text/css; charset=utf-8')],
  ]);

  @Get()
  @HttpCode(200)
  index(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    this.page.send(reply, ifNoneMatch);
  }

  @Get(':file')
  @HttpCode(200)
  file(@Param('file') name: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply): void {
    const file = this.files.get(name);
    if (!file) throw new NotFoundException('No such file');
    file.send(reply, ifNoneMatch);
  }
}
