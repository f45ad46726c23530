import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'lambdas/core/generated/', 'wasm/*.generated.ts', '**/*.js', '!eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // AssemblyScript: == compares values (there are no implicit conversions to guard against).
    files: ['wasm/**/*.ts'],
    rules: { eqeqeq: 'off' },
  },
);
