import { sftpLoginTo, type GatewayAccess } from '@zra/gateway/testing';
import type { AfterBuffer, RideConfig, SftpConnectionConfig } from '../settings/config.ts';

export { putOnGateway, type GatewayAccess } from '@zra/gateway/testing';

/** A ride whose drops sit in `remoteDir` under the gateway's root. */
export function rideOnGateway(
  gw: GatewayAccess,
  id: string,
  remoteDir: string,
  afterBuffer: AfterBuffer = 'keep',
): RideConfig & { connection: SftpConnectionConfig } {
  return {
    id,
    remoteDir,
    afterBuffer,
    schedule: ['*/15 * * * *'],
    connection: sftpLoginTo(gw),
  };
}
