// The console's build: `npm run build:web` (run by `npm run build`, so by `npm ci`) writes web/dist,
// which `wardwatch serve` hands out. `@contract` is the only way into our own code (scripts/check-imports.mjs).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  resolve: { alias: { '@contract': resolve(here, '../src/contract') } },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // zod's sources carry /* @__PURE__ */ comments in places rollup ignores; that is noise, not a fault of ours.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
