import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by funcstack at /_/ from the embedded dist folder.
// `npm run dev` proxies the admin API to a running funcstack serve.
export default defineConfig({
  base: '/_/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/_/api': (globalThis as any).process?.env?.FUNCSTACK_URL || 'http://127.0.0.1:8080' } },
});
