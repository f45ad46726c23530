import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { configFieldPaths } from '../../lib/config/fields';

const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

function referenceTableFields(): string[] {
  const section = readme.split('## Config reference')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe('README config reference', () => {
  test('GIVEN the schema THEN the README documents exactly its fields, in order', () => {
    expect(referenceTableFields()).toEqual(configFieldPaths());
  });
});

describe('README layout', () => {
  const section = readme.split('## Layout')[1]?.split('\n## ')[0] ?? '';
  const root = path.join(__dirname, '..', '..');

  test('GIVEN the Layout table THEN every folder and file it names exists', () => {
    const named = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1].replace(/<name>\/handler\.ts$/, 'evaluation/handler.ts'));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });

  test('GIVEN the local twin THEN lib/local holds only its entry point beside the folders the Layout names', () => {
    const entries = readdirSync(path.join(root, 'lib', 'local'));
    const documented = [...section.matchAll(/`lib\/local\/([a-z-]+(?:\/|\.ts))`/g)].map((m) => m[1].replace(/\/$/, ''));
    expect(entries.sort()).toEqual([...new Set(documented)].sort());
  });
});

describe('README: what the local twin checks', () => {
  const section = readme.split('### What the local twin checks against AWS')[1]?.split('\n## ')[0] ?? '';
  const root = path.join(__dirname, '..', '..');

  test('GIVEN the table of AWS rules THEN every test, file and folder it names exists', () => {
    const named = [...section.matchAll(/`((?:test|lib|\.ci)\/[\w./-]+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(8);
    expect(named.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });

  test('GIVEN the table THEN each lib/local/iam file it names (bare) is in lib/local/iam', () => {
    const bare = [...section.matchAll(/`([a-z-]+\.ts)`/g)].map((m) => m[1]);
    expect(bare.length).toBeGreaterThan(0);
    expect(bare.filter((f) => !existsSync(path.join(root, 'lib', 'local', 'iam', f)))).toEqual([]);
  });
});
