import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../config';
import { synthesizeTemplate } from './synth';

/** `synth-child <config file> <stage or ""> <output file>`: see synthesizeInChildProcess. */
const [configPath, stage, output] = process.argv.slice(2);
try {
  writeFileSync(output, JSON.stringify(synthesizeTemplate(loadConfig(configPath, stage || undefined))));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
