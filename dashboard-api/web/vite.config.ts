import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard web app: built into dist/dashboard-web and served by dashboard-api.
// In development, `vite --config dashboard-api/web/vite.config.ts` proxies the API.
const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.DASHBOARD_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard-web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': api, '/socket.io': { target: api, ws: true }, '/healthz': api },
  },
});
