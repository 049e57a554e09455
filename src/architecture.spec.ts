import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/*
 * The house plan (STYLE.md): import arrows between the folders of src/ run one way. The shell
 * (main, app.module, app.factory, cli) sits on top and may import anything.
 */
const SRC = __dirname;
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|require\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The top folder of src/ a file lives in ('' for the shell's files at the top). */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts.length > 1 ? parts[0] : '';
}

/** Every arrow "folder -> folder" between different folders, with one file that draws it. */
export function folderArrows(files: string[] = sourceFiles(SRC)): Map<string, string> {
  const arrows = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? match[2] ?? match[3]);
      if (relative(SRC, target).startsWith('..')) continue;
      const from = folderOf(file);
      // '../rate-limit' is the folder's barrel (index.ts); '../app.module' a file of the shell.
      const isFolder = existsSync(target) && statSync(target).isDirectory();
      const to = folderOf(isFolder ? join(target, 'index.ts') : `${target}.ts`);
      if (from !== to && from !== '') arrows.set(`${from} -> ${to}`, relative(SRC, file));
    }
  }
  return arrows;
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/^config -> /, 'config is a leaf'],
  [/^common -> /, 'common is a leaf'],
  [/^database -> (?!config$)/, 'database knows only config'],
  [/ -> $/, 'nothing imports the shell'],
  [/^users -> (clients|auth|oauth|keys|mail|recovery)$/, 'users knows nothing of clients, auth, or the mail recovery sends'],
  [/^clients -> (auth|oauth)$/, 'clients knows users, not auth'],
  [/^keys -> (auth|oauth|clients|users)$/, 'keys sits below auth'],
  [/^(rate-limit|redis|health) -> (auth|oauth)$/, 'only what sits above auth may use it'],
  [/ -> admin$/, 'nothing depends on admin'],
  [/ -> oauth$/, 'nothing depends on oauth'],
  [/^oauth -> (users|clients|keys)$/, 'oauth reaches users and clients through the auth barrel'],
  [/^dpop -> (auth|oauth|clients|users|keys)$/, 'dpop knows proofs, not sessions: auth and oauth apply its answers'],
];

/** The only globals, each for a reason; every other module is imported by what uses it. */
const GLOBALS: Record<string, string> = {
  'common/clock.ts': 'the one clock every rule of time reads (and tests move)',
  'common/module-options.ts': "a module's options token, so the one instance its importers share finds what the shell gave it",
};

function cycles(arrows: Iterable<string>): string[] {
  const edges = new Map<string, Set<string>>();
  for (const arrow of arrows) {
    const [from, to] = arrow.split(' -> ');
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
  const found: string[] = [];
  const walk = (start: string, node: string, path: string[]): void => {
    for (const next of edges.get(node) ?? []) {
      if (next === start) found.push([...path, next].join(' -> '));
      else if (!path.includes(next) && next > start) walk(start, next, [...path, next]);
    }
  };
  for (const start of edges.keys()) walk(start, start, [start]);
  return found;
}

describe('architecture: import arrows', () => {
  const arrows = folderArrows();

  it('reads the imports of the source tree', () => {
    expect(arrows.has('auth -> clients')).toBe(true);
  });

  it.each(FORBIDDEN)('no arrow %s (%s)', (pattern) => {
    const wrong = [...arrows].filter(([arrow]) => pattern.test(arrow)).map(([arrow, file]) => `${arrow} (${file})`);
    expect(wrong).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(cycles(arrows.keys())).toEqual([]);
  });

  it("no module reaches into another module's options (the shell gives each its own)", () => {
    const wrong = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(IMPORT)]
        .map((match) => resolve(dirname(file), match[1] ?? match[2] ?? match[3]))
        .filter((target) => target.endsWith('.options') && folderOf(file) !== '' && folderOf(`${target}.ts`) !== folderOf(file))
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(wrong).toEqual([]);
  });

  it('what sits above auth imports it through its barrel only (src/auth/index.ts)', () => {
    const wrong = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(IMPORT)]
        .map((match) => resolve(dirname(file), match[1] ?? match[2] ?? match[3]))
        .filter((target) => folderOf(file) !== 'auth' && folderOf(file) !== '' && relative(SRC, target).startsWith('auth/'))
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(wrong).toEqual([]);
  });

  it('declares no global module besides the few that everyone uses (GLOBALS)', () => {
    const declaring = sourceFiles(SRC)
      .filter((file) => /@Global\(|\bglobal:\s*true|isGlobal/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(declaring.sort()).toEqual(Object.keys(GLOBALS).sort());
  });

  it('users never reads the clients table (Clients answers for its own table)', () => {
    const wrong = sourceFiles(join(SRC, 'users')).filter((file) => /\b(from|join)\b\s*\(?\s*['"`]?clients\b/i.test(readFileSync(file, 'utf8')));
    expect(wrong.map((file) => relative(SRC, file))).toEqual([]);
  });

  it('only the shell and config read process.env', () => {
    const readers = sourceFiles(SRC)
      .filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file))
      .filter((file) => folderOf(join(SRC, file)) !== '' && folderOf(join(SRC, file)) !== 'config');
    expect(readers).toEqual([]);
  });

  it('finds a cycle and a forbidden arrow when one is drawn', () => {
    expect(cycles(['a -> b', 'b -> c', 'c -> a'])).toEqual(['a -> b -> c -> a']);
    expect(FORBIDDEN.some(([pattern]) => pattern.test('common -> config'))).toBe(true);
    expect(FORBIDDEN.some(([pattern]) => pattern.test('users -> clients'))).toBe(true);
    expect(FORBIDDEN.some(([pattern]) => pattern.test('oauth -> users'))).toBe(true);
  });
});
