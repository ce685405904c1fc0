import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// scripts/build-web.ts sets the root (web/); the API serves dist/ at `/` with long-cached hashed assets.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
