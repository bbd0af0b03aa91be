/** Flags every podman call needs here, before the subcommand. */
export const PODMAN_GLOBAL_FLAGS: string[];
/** The environment for podman (CONTAINERS_CONF). */
export function podmanEnv(): NodeJS.ProcessEnv;
/** What a podman call printed and how it ended. */
export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs `podman <args>`; never rejects on a non-zero exit. */
export function podman(
  args: string[],
  options?: { inherit?: boolean; timeoutMs?: number },
): Promise<PodmanResult>;
/** Like {@link podman}, but a non-zero exit throws with what podman said. */
export function mustPodman(
  args: string[],
  what: string,
  options?: { inherit?: boolean; timeoutMs?: number },
): Promise<string>;
