import { statSync } from 'node:fs';
import { CREDENTIAL_FIELDS, type AgentConfig } from './config.ts';

/**
 * A warning when the config file holds credentials (the park token always; gateway passwords
 * or keys when written there) and other users of the computer can read it: with the park
 * token anyone can send data as the park. Null when only its owner can read it, and on
 * Windows, where the file's mode says nothing about who can read it.
 */
export function configFileExposure(
  file: string,
  config: AgentConfig,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (platform === 'win32') return null;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o044) === 0) return null;
  const held = ['the park token'];
  const rides = config.rides.filter((r) =>
    CREDENTIAL_FIELDS.some((f) => typeof (r.connection as Record<string, unknown>)[f] === 'string'),
  );
  if (rides.length > 0) held.push(`gateway credentials (${rides.map((r) => r.id).join(', ')})`);
  return (
    `the config file ${file} holds ${held.join(' and ')} and other users of this computer can ` +
    `read it (mode ${mode.toString(8).padStart(3, '0')}): run "chmod 600 ${file}" and keep it ` +
    "owned by the agent's user"
  );
}
