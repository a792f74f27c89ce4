// The port that says which custom domains an app has (owned by the domains part; ACME orders
// certificates for them).
export interface AppDomainList { hostnamesOf(appId: string): Promise<string[]> }  // the app's custom domains, no wildcards
