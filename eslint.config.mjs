// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The rooms of src/ and what each may import (ARCHITECTURE.md draws them).
const noVscode = { name: 'vscode', message: 'Only src/editor and src/extension.ts may depend on vscode.' };
const engineDoor = {
  group: ['**/engine/*', '!**/engine/index'],
  message: 'Reach the engine through its door, src/engine/index.ts (import from \'../engine\').',
};
const noModels = { group: ['**/models/*'], message: 'The engine runs a model folder; where models come from (src/models) is not its business.' };
const noSurfaces = { group: ['**/editor/*', '**/cli/*'], message: 'The editor and the command line use this room, not the other way round.' };
const engineTypesOnly = { group: ['**/engine/*', '**/engine/**/*'], allowTypeImports: true, message: 'src/text holds prose rules: it may use the engine\'s types, not its code.' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.e2e/', 'test/fixtures/models/', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The engine runs in the CLI and in a worker thread as well as in the
    // extension host: it must never depend on the editor, nor on the download code.
    files: ['src/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [noModels, noSurfaces] }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/models/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [noSurfaces, engineDoor] }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/text/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [noSurfaces, noModels, engineTypesOnly] }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/editor/**/*.ts', 'src/extension.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [engineDoor, { group: ['**/cli/*'], message: 'The editor does not use the command line.' }] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [engineDoor, { group: ['**/editor/*'], message: 'The command line does not use the editor.' }] }] },
  },
);
