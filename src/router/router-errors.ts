// The router's error catalogue: Heroku's router codes, their statuses and descriptions.

export type RouterErrorCode = 'H10' | 'H12' | 'H13' | 'H14' | 'H15' | 'H18' | 'H19' | 'H25' | 'H27' | 'H80' | 'H99';

export interface RouterError {
  status: number;
  desc: string;
}

export const routerErrors: Record<RouterErrorCode, RouterError> = {
  H10: { status: 503, desc: 'App crashed' },
  H12: { status: 503, desc: 'Request timeout' },
  H13: { status: 503, desc: 'Connection closed without response' },
  H14: { status: 503, desc: 'No web processes running' },
  // Headers already went to the client, so H15 and H18 are logged; the client sees a cut connection.
  H15: { status: 503, desc: 'Idle connection' },
  H18: { status: 503, desc: 'Server Request Interrupted' },
  // Every backend refused or timed out the TCP connection.
  H19: { status: 503, desc: 'Backend connection failed' },
  // Header block over maxHeaderSize; answered before the Host is known, so never in an app's log.
  H25: { status: 431, desc: 'HTTP Restriction' },
  // Nginx's 499: the client closed the connection; nobody reads this status but the log.
  H27: { status: 499, desc: 'Client Request Interrupted' },
  H80: { status: 503, desc: 'Maintenance mode' },
  H99: { status: 503, desc: 'Platform error' },
};
