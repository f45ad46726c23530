import { readFileSync } from 'node:fs';
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
