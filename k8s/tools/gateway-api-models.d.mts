/** Where the Gateway API models are unpacked. */
export const gatewayApiModelsDir: string;
/** Returns the folder of the verified package, fetching it through npm on first use. */
export function ensureGatewayApiModels(): string;
