/**
 * Why an archive entry name is unsafe, or null when it is fine. Drops are never extracted to
 * disk, but the agent and central may show or store these names, and other tools may extract
 * them, so a name that could escape a folder is refused outright.
 */
export function unsafeEntryNameReason(name: string): string | null {
  if (name === '') return 'has an empty name';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('\\')) return 'contains a backslash (use forward slashes)';
  if (name.startsWith('/')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.includes('..')) return 'contains ".." and could escape the archive folder';
  return null;
}
