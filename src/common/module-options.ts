import { ConfigurableModuleBuilder } from '@nestjs/common';

/**
 * The options API of a module, as @nestjs/jwt builds its own: `forRoot(options)` and
 * `forRootAsync({ useFactory, inject })`, the options under one token. Global unless
 * `isGlobal: false`, so the shell configures each module once and the others find its services.
 */
export function moduleOptions<Options extends object>() {
  return new ConfigurableModuleBuilder<Options>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
}
