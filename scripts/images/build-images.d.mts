/** The project's Dockerfiles, in build order. */
export const DOCKERFILES: string[];
/** What a Dockerfile says about itself. */
export function readDockerfile(file: string): {
  file: string;
  text: string;
  tag: string;
  args: Record<string, string>;
  copies: string[];
};
/** Builds every base and project image that is out of date. */
export function buildImages(options?: { log?: (message: string) => void }): Promise<{
  images: Record<string, string>;
  built: string[];
}>;
