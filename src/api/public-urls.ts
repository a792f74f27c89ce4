// The addresses users see: where the API answers and where each app is served.

export interface PublicUrls {
  /** Base URL of the API, e.g. http://localhost:5000 */
  api: string;
  web(appName: string): string;
  git(appName: string): string;
}

export function publicUrls(opts: { apiUrl: string; baseDomain: string; routerPort: number; routerScheme?: 'http' | 'https' }): PublicUrls {
  const scheme = opts.routerScheme ?? 'http';
  const defaultPort = scheme === 'https' ? 443 : 80;
  const port = opts.routerPort === defaultPort ? '' : `:${opts.routerPort}`;
  const api = opts.apiUrl.replace(/\/+$/, '');
  return {
    api,
    web: (name) => `${scheme}://${name}.${opts.baseDomain}${port}/`,
    git: (name) => `${api}/${name}.git`,
  };
}
