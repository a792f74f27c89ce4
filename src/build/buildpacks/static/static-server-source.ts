// The file server copied into static slugs. Kept as text because it runs inside the slug, where
// Berth's own modules are not present; it must stay dependency-free plain JavaScript.
export const STATIC_SERVER_SOURCE = String.raw`// Berth's static file server: serves a directory on $PORT.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = fs.realpathSync(path.resolve(process.argv[2] || '.'));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.wasm': 'application/wasm', '.pdf': 'application/pdf',
  '.map': 'application/json', '.webmanifest': 'application/manifest+json',
};

// Returns the file to serve, or null. Any '..' or dot segment (after decoding) is refused, and the
// real path must stay under the root, so neither encoded traversal nor a symlink leaves the site.
function resolveFile(rawPath) {
  let decoded;
  try { decoded = decodeURIComponent(rawPath); } catch { return null; }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter(Boolean);
  if (segments.some((s) => s.startsWith('.'))) return null;
  let file = path.join(root, ...segments);
  try {
    let st = fs.statSync(file);
    if (st.isDirectory()) { file = path.join(file, 'index.html'); st = fs.statSync(file); }
    if (!st.isFile()) return null;
    const real = fs.realpathSync(file);
    if (!real.startsWith(root + path.sep)) return null;
    return { file: real, size: st.size };
  } catch { return null; }
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    return res.end('Method Not Allowed\n');
  }
  const found = resolveFile((req.url || '/').split('?')[0]);
  if (!found) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return res.end('Not Found\n');
  }
  const type = TYPES[path.extname(found.file).toLowerCase()] || 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': found.size, 'x-content-type-options': 'nosniff' });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(found.file).on('error', () => res.destroy()).pipe(res);
});

server.listen(Number(process.env.PORT) || 5000, () => console.log('static site listening on ' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
