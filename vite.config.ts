// Builds the renderer (renderer/) into dist/renderer/, which core/server serves.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./renderer', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the same build works under the local server and from Electron.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // CSP is 'self': no data: URLs for assets.
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev:ui` against a running `tensorloom ui`: TENSORLOOM_API=http://127.0.0.1:PORT
    proxy: process.env.TENSORLOOM_API
      ? {
          '/api': { target: process.env.TENSORLOOM_API, changeOrigin: true, ws: true },
        }
      : {},
  },
});
