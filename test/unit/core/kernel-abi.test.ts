import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WASM_BASE64 } from '../../../lambdas/core/generated/fast-row.wasm';
import { Kernel, KERNEL_ABI, kernelAbiSource } from '../../../lambdas/core/features/kernel-abi';
import { BOOLEAN, CATEGORICAL, NUMERIC } from '../../../lambdas/core/features/validate';

const root = path.join(__dirname, '..', '..', '..');
const generatedSource = path.join(root, 'wasm', 'abi.generated.ts');
const kernelSource = readFileSync(path.join(root, 'wasm', 'fast-row.ts'), 'utf8');

interface WasmModuleApi {
  Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string; kind: string }[] };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

describe('the WebAssembly kernel ABI', () => {
  test('GIVEN the one source of the shared constants THEN the kernel was compiled against exactly these (wasm/abi.generated.ts is current)', () => {
    expect(readFileSync(generatedSource, 'utf8')).toBe(kernelAbiSource());
  });

  test('GIVEN the info block words THEN the kernel addresses them in bytes, the host in words', () => {
    const source = kernelAbiSource();
    expect(source).toContain(`export const INFO_START_AT: usize = ${Kernel.INFO_START * 4};`);
    expect(source).toContain('export const NOT_FAST: i32 = -1;');
    expect(source).not.toMatch(/export const INFO_START:/);
  });

  test('GIVEN the host column kinds THEN they are the kernel constants', () => {
    expect([NUMERIC, BOOLEAN, CATEGORICAL]).toEqual([KERNEL_ABI.NUMERIC.value, KERNEL_ABI.BOOLEAN.value, KERNEL_ABI.CATEGORICAL.value]);
  });

  test('GIVEN the compiled module THEN it exports exactly the functions the generated host interface declares', () => {
    const compiledExports = wasm.Module.exports(new wasm.Module(Buffer.from(WASM_BASE64, 'base64')))
      .filter((e) => e.kind === 'function')
      .map((e) => e.name)
      .sort();
    const declared = [...kernelSource.matchAll(/^export function (\w+)\(/gm)].map((m) => m[1]).sort();
    expect(compiledExports).toEqual(declared);
    const generatedModule = readFileSync(path.join(root, 'lambdas', 'core', 'generated', 'fast-row.wasm.ts'), 'utf8');
    for (const name of declared) expect(generatedModule).toMatch(new RegExp(`^  ${name}\\(`, 'm'));
  });
});
