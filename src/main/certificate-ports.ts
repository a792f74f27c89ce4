// The certificate store and domain list automatic certificates work through (services/
// certificate-install.ts, services/app-domains.ts). The domains/TLS part provides the real ones;
// until they are joined here, an app has no custom domains, so nothing is ordered, and an install
// is refused with the reason.
import type { AppDomainList } from '../services/app-domains.js';
import type { CertificateInstaller } from '../services/certificate-install.js';

export const unjoinedDomains: AppDomainList = { hostnamesOf: async () => [] };

export const unjoinedCertificates: CertificateInstaller = {
  install: async () => { throw new Error('this Berth has no certificate store to install into'); },
  list: async () => [],
};
