// Moved to the harness, which central's fault tests use too; kept here for the agent's tests.
export {
  controlGateway,
  type GatewayProcess,
} from '../../../../scripts/harness/gateway-process.ts';
