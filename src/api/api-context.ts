// What the HTTP layer is given: the services' dependencies plus the public URLs to print.
import type { ServiceDeps } from '../services/service-deps.js';
import type { PublicUrls } from './public-urls.js';

export interface ApiContext extends ServiceDeps {
  urls: PublicUrls;
}
