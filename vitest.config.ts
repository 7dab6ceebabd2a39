import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
