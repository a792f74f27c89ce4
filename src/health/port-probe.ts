// Is anything accepting TCP connections on the instance's port? That is what "up" means for web.
import { connect } from 'node:net';

export type PortProbe = (address: { host: string; port: number }) => Promise<boolean>;

export const tcpProbe: PortProbe = ({ host, port }) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
