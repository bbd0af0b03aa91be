import type { Logger } from 'pino';
import type { ConnectionConfig } from './connection.ts';
import type { GatewayClient } from './gateway-client.ts';
import { connectHttpGateway } from './http-gateway-client.ts';
import { connectSftpGateway } from './sftp-gateway-client.ts';

/** Opens a client for a ride's configured connection (SFTP or HTTP(S)). */
export function connectGateway(conn: ConnectionConfig, log: Logger): Promise<GatewayClient> {
  switch (conn.type) {
    case 'sftp':
      return connectSftpGateway(conn, log);
    case 'http':
      return Promise.resolve(connectHttpGateway(conn, log));
  }
}
