import { earnedScope, unearnedScopes } from './scope-policy';

describe('scope policy', () => {
  it('earns a scope by a role of its name or by being open to all', () => {
    expect(unearnedScopes('admin read orders:write', ['orders:write'], ['read'])).toEqual(['admin']);
    expect(unearnedScopes('read', [], [])).toEqual(['read']);
  });

  it('keeps of a granted scope what is still earned, in its order, or nothing', () => {
    expect(earnedScope('admin editor read', ['editor'], ['read'])).toBe('editor read');
    expect(earnedScope('admin', [], [])).toBeNull();
    expect(earnedScope(null, ['admin'], [])).toBeNull();
  });
});
