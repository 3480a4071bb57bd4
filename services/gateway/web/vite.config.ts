import { defineConfig } from 'vite';

/**
 * The web UI, built into `dist/` and served by the gateway at `/`. JSX goes through Vite's own
 * transform with React's automatic runtime: no React plugin, no fast refresh.
 */
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev -w @microshop/web`: the UI with live reload, the API from a running gateway.
    proxy: { '/api': 'http://127.0.0.1:5000', '/health': 'http://127.0.0.1:5000', '/docs': 'http://127.0.0.1:5000' },
  },
});
