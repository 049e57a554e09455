import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { GitHubUpstream } from './github-upstream';
import { IDENTITIES_OPTIONS, type IdentitiesModuleOptions } from './identities.options';
import { OidcUpstream } from './oidc-upstream';
import type { UpstreamProvider } from './upstream-provider';

/** The configured providers by name (AUTH_OIDC_<NAME>_...); each discovers its issuer at first use, not at start. */
@Injectable()
export class UpstreamProvidersService {
  private readonly providers = new Map<string, UpstreamProvider>();

  constructor(@Inject(IDENTITIES_OPTIONS) private readonly config: IdentitiesModuleOptions) {
    const calls = { timeoutMs: config.timeout * 1000, allowHttp: !config.production };
    for (const settings of config.providers) {
      // A new kind of provider plugs in here: a class that implements UpstreamProvider.
      const provider = settings.kind === 'github' ? new GitHubUpstream(settings.name, settings, calls) : new OidcUpstream(settings, calls);
      this.providers.set(settings.name, provider);
    }
  }

  names(): string[] {
    return [...this.providers.keys()];
  }

  get(name: string): UpstreamProvider {
    const provider = this.providers.get(name);
    if (!provider) throw new NotFoundException(`No sign-in provider named ${name}`);
    return provider;
  }

  /** Where the provider sends the browser back: register exactly this URL with it. */
  redirectUri(name: string): string {
    return `${this.config.publicUrl}/auth/oidc/${encodeURIComponent(name)}/callback`;
  }
}
