// The page imports '../sdk/auth-client.js': from /account/app.js the browser resolves it to the
// client the server serves at /sdk/auth-client.js, and from account/src/ tsc resolves it here, to
// that client's built types. One specifier, right in both places, and no bundler.
export * from '../../sdk/dist/esm/index.js';
