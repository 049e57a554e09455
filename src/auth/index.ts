/* What the modules above Auth (OAuth, admin, ...) may use of it. */
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { AccessTokensService } from './access-tokens.service';
export { bearerToken } from './bearer-token';
export { LoginDto } from './dto/login.dto';
export { RequestOrigin } from './origin.decorator';
