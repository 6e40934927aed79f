import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/useCredits.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['react', '@jobgate/core'],
  // The hooks hold state: Next.js/RSC must treat the bundle as a client module. The
  // per-file directives do not survive bundling, so the banner puts it back on top.
  banner: { js: "'use client';" },
});
