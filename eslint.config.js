import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'database/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read the environment only in config (readConfig) and in tools.',
        },
      ],
    },
  },
  {
    // Domain code is plain functions: no HTTP framework, no SQL builder, no neighbours' URLs.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fastify', 'kysely', 'undici', 'better-sqlite3', 'pg'],
          // Tracing reaches domain code only through the chassis' `traced` helper.
          patterns: ['**/routes/*', '**/data/migrations*', '@opentelemetry/*'],
        },
      ],
    },
  },
  {
    files: ['packages/chassis/src/config.ts', 'services/*/src/config.ts', 'packages/testkit/src/**/*.ts', 'packages/chassis/src/lifecycle.ts', 'packages/chassis/src/telemetry/config.ts', 'packages/chassis/src/resilience/config.ts', 'packages/chassis/src/telemetry/register.ts', 'tools/**/*.ts', '**/test/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
