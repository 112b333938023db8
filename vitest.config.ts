import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    // Native addons are safest in child processes (one addon instance per fork).
    pool: 'forks',
    testTimeout: 60_000,
  },
})
