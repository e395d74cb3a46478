// Bundle the explorer page for serving (run by scripts/setup-assets.sh, after KaTeX is copied to static/vendor/):
// whatever static/js/main.js imports (KaTeX included) becomes one minified script, static/css/page.css with its
// @imports one stylesheet, and the fonts that stylesheet names are copied along; every file name carries a hash
// of its content, so the server can tell browsers to keep them for good. Text files get .gz and .br siblings,
// compressed here once so the server never compresses them. static/bundle/manifest.json names the files and the
// SHA-256 of every source they came from: the server uses the bundle only while those sources are unchanged
// (app/pages.py), and serves the modules one by one otherwise.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const staticDir = resolve(root, "static");
const outdir = resolve(staticDir, "bundle");
const COMPRESSED = /\.(js|css|svg)$/;

// The modules import KaTeX by its URL (/static/vendor/katex/katex.mjs): map /static/ URLs to static/.
const staticUrls = {
  name: "static-urls",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\/static\// }, (args) => ({ path: resolve(staticDir, args.path.slice("/static/".length)) }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: "static/js/main.js", page: "static/css/page.css" },
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2022"],
  outdir,
  entryNames: "[name]-[hash]",
  assetNames: "fonts/[name]-[hash]",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
  metafile: true,
  plugins: [staticUrls],
  // An import() of a computed path would stay a request for a file the bundle does not hold: refuse it.
  logOverride: { "unsupported-dynamic-import": "error" },
});

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const urlOf = (path) => relative(staticDir, resolve(root, path)).split("\\").join("/");
const outputs = Object.entries(result.metafile.outputs);
const entry = (name) => urlOf(outputs.find(([, output]) => output.entryPoint === name)[0]);
const fonts = {};
for (const [path, output] of outputs) {
  const sources = Object.keys(output.inputs);
  if (path.includes("/fonts/") && sources.length === 1) fonts[urlOf(sources[0])] = urlOf(path);
}
const sources = {};
for (const path of Object.keys(result.metafile.inputs).sort()) sources[urlOf(path)] = sha256(resolve(root, path));

for (const [path] of outputs) {
  if (!COMPRESSED.test(path)) continue;
  const data = readFileSync(resolve(root, path));
  writeFileSync(resolve(root, `${path}.gz`), gzipSync(data, { level: 9 }));
  writeFileSync(resolve(root, `${path}.br`), brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }));
}

mkdirSync(outdir, { recursive: true });
const manifest = { script: entry("static/js/main.js"), style: entry("static/css/page.css"), fonts, sources };
// Last, so a manifest means a complete bundle (the Makefile's stamp).
writeFileSync(resolve(outdir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`bundled ${Object.keys(sources).length} sources into ${manifest.script} and ${manifest.style}`);
