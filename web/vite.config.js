// Tandem's web UI build. `make web` runs it; the output in dist/ is committed and embedded
// in the Go binary (web/web.go), so a machine with only Go still serves the UI.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported where they are used (tree-shaken).
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev` proxies the API to a running `tandem dev`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
