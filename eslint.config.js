// typescript-eslint strict type-checked everywhere; src/engine is fenced off as pure (no I/O, no clock,
// no randomness), so the same input always gives the same output.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      'test/e2e/k8s/**',
      'bin/**',
      'eslint.config.js',
      '.mocharc*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'hack/**/*.ts', 'fixtures/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    // The purity fence: the engine takes data in and returns data out. No I/O, no clock, no globals.
    files: ['src/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'http',
                'https',
                'express',
                'pino',
                'prom-client',
                '@kubernetes/client-node',
                '../server/*',
                '../cli/*',
                '../kube/*',
                '../policy/load*',
                '../policy/store*',
              ],
              allowTypeImports: true,
              message: 'engine/ is pure: take data in, return data out (no I/O, no clock, no globals).',
            },
            {
              // Not even types: the engine owns the types it evaluates and knows nothing of how
              // policies are parsed or compiled (that is policy/), served (server/) or previewed (cli/).
              group: ['../policy/*', '../server/*', '../cli/*'],
              message: 'engine/ imports nothing from policy/, server/ or cli/: they depend on it, not the other way.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'process',
        'Buffer',
        'Date',
        'fetch',
        'setTimeout',
        'setInterval',
        'setImmediate',
        'performance',
        'console',
        'require',
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random' },
        { object: 'Date', property: 'now' },
      ],
    },
  },
);
