import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console: a static single-page app. `npm start` serves `dist/` (infra/local/console-server.ts);
 * on AWS, CloudFront serves it from S3. Settings come from `/config.json` at run time, never from the
 * build, so one build runs anywhere.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One chunk for the framework and Cloudscape, one per page group: a page loads what it shows.
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  logLevel: 'warn',
});
