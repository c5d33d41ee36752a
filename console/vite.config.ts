import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The Session Manager frame codec is Wharf's own pure domain code, shared rather than copied.
const execDomain = fileURLToPath(new URL('../src/domain/exec/', import.meta.url));

export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  resolve: { alias: { '@wharf/exec': execDomain } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
});
