import { startApp, TestApp } from './support/app';

/** API.md section 8: every admin route, and the reasons of roles and administration, in GET /docs-json. */
const ADMIN_ROUTES = [
  ['get', '/admin/users'],
  ['get', '/admin/users/{id}'],
  ['patch', '/admin/users/{id}'],
  ['post', '/admin/users/{id}/password'],
  ['delete', '/admin/users/{id}'],
  ['get', '/admin/users/{id}/clients'],
  ['delete', '/admin/users/{id}/clients/{clientId}'],
  ['delete', '/admin/users/{id}/clients'],
  ['get', '/admin/audit'],
] as const;

describe('OpenAPI document: the admin API and the reasons of roles', () => {
  let t: TestApp;
  let document: { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>; components: any };
  beforeAll(async () => {
    t = await startApp();
    document = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it.each(ADMIN_ROUTES)('%s %s is documented, bearer-secured, with its 401 and 403', (method, path) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });

  it('documents 409 last_admin where an admin change can leave no admin', () => {
    expect(document.paths['/admin/users/{id}'].patch.responses['409']).toBeDefined();
    expect(document.paths['/admin/users/{id}'].delete.responses['409']).toBeDefined();
  });

  it("lists the new reasons in the error body's schema", () => {
    const reasons: string[] = document.components.schemas.ErrorResponseDto.properties.reason.enum;
    expect(reasons).toEqual(expect.arrayContaining(['insufficient_role', 'insufficient_scope', 'disabled', 'last_admin', 'token_too_large']));
  });
});
