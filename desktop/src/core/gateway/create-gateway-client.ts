import type { Logger } from 'pino';
import type { ConnectionConfig } from '../config.ts';
import type { GatewayClient } from './gateway-client.ts';
import { connectSftpGateway } from './sftp-gateway-client.ts';

/** Opens a client for a ride's configured connection; one place to add HTTP(S) gateways. */
export function connectGateway(conn: ConnectionConfig, log: Logger): Promise<GatewayClient> {
  switch (conn.type) {
    case 'sftp':
      return connectSftpGateway(conn, log);
  }
}
