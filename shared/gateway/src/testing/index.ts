/** Test helpers for gateway code: a real HTTP gateway, files on the SFTP harness, temp dirs. */
export { startHttpGateway, type HttpGateway, type HttpGatewayOptions } from './http-gateway.ts';
export { putOnGateway, sftpLoginTo, type GatewayAccess } from './gateway-files.ts';
export { tempDir } from './temp-dir.ts';
