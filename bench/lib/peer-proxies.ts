// nginx and Caddy as plain reverse proxies, each from its own config in a temp dir (never the system's),
// configured as Dokku/CapRover (nginx) and Dokploy/Coolify (Caddy) run them in front of apps.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, waitForPort, type Started } from './processes.js';

/** `tls`: also an HTTPS server on its port with that certificate (the same one Berth's router serves). */
export async function startNginx(dir: string, port: number, backendPort: number, cpus: string, tls?: { port: number; certFile: string; keyFile: string }): Promise<Started> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, `
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log ${join(dir, 'logs', 'access.log')} combined buffer=64k flush=1s;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream app { server 127.0.0.1:${backendPort}; keepalive 64; }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
${tls ? `    listen 127.0.0.1:${tls.port} ssl;
    server_name app-0.bench.test;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
` : ''}    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`);
  // `daemon off` keeps the master as our child, so stop() and /proc see the whole tree.
  const started = startProcess('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { cpus });
  await waitForPort(port, started);
  return started;
}

export async function startCaddy(dir: string, port: number, backendPort: number, cpus: string): Promise<Started> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const conf = join(dir, 'Caddyfile');
  await writeFile(conf, `{
  admin off
  auto_https off
  storage file_system ${join(dir, 'data')}
}
http://:${port} {
  bind 127.0.0.1
  log {
    output file ${join(dir, 'access.log')}
  }
  reverse_proxy 127.0.0.1:${backendPort}
}
`);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), GOMAXPROCS: '1' };
  const started = startProcess('caddy', ['run', '--config', conf, '--adapter', 'caddyfile'], { cpus, env });
  await waitForPort(port, started);
  return started;
}
