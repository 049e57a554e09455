import { ConfigurableModuleBuilder, DynamicModule, Module } from '@nestjs/common';

/**
 * The options API of a module, as @nestjs/jwt builds its own: `forRoot(options)` and
 * `forRootAsync({ useFactory, inject })`, the options under one token.
 *
 * The shell calls forRoot once; every module that uses this one imports its class
 * (`imports: [UsersModule]`), so `imports` show the dependencies and a module sees only the services
 * of what it imports. What forRoot returns is a small global module holding the options token alone,
 * which also mounts the module: the one instance that every importer shares finds its options there
 * (the pattern of TypeORM's global core module and forFeature). Only the token is global, never a
 * service; a module that is not given its options stops the start, naming the token.
 */
export function moduleOptions<Options extends object>(name: string) {
  const token = `${name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toUpperCase()}_OPTIONS`;
  @Module({})
  class ModuleOptionsHolder {}
  Object.defineProperty(ModuleOptionsHolder, 'name', { value: `${name}OptionsModule` });
  return new ConfigurableModuleBuilder<Options>({ optionsInjectionToken: token })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition) => holdOptions(definition, ModuleOptionsHolder, token))
    .build();
}

/** forRoot's module, turned into the holder of its options that mounts the module itself. */
export function holdOptions(definition: DynamicModule, holder: DynamicModule['module'], token: string | symbol): DynamicModule {
  return {
    module: holder,
    global: true,
    imports: [...(definition.imports ?? []), definition.module],
    providers: definition.providers,
    exports: [token],
  };
}
