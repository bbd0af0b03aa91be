/** The vhost central uses. */
export const VHOST: string;
/** The work queues and their dead-letter queues. */
export const QUEUE_PATTERN: string;
/** The default exchange. */
export const DEFAULT_EXCHANGE_PATTERN: string;
/** Matches nothing. */
export const NOTHING: string;
/** A broker user with its tags and rights on {@link VHOST}. */
export interface BrokerUser {
  key: 'admin' | 'api' | 'jobs' | 'keda';
  name: string;
  tags: string[];
  configure: string;
  write: string;
  read: string;
}
/** The users and their rights. */
export const USERS: BrokerUser[];
/** RabbitMQ's SHA-256 password hash of `password` with a 4-byte salt. */
export function passwordHash(password: string, salt?: Buffer): string;
/** True when `hash` is that of `password`. */
export function hashMatches(hash: string, password: string): boolean;
/** A RabbitMQ definitions document. */
export interface Definitions {
  users: {
    name: string;
    password_hash: string;
    hashing_algorithm: string;
    tags: string[];
    limits: Record<string, never>;
  }[];
  vhosts: { name: string }[];
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
}
/** The definitions for the given passwords. */
export function rabbitmqDefinitions(
  passwords: Record<BrokerUser['key'], string>,
  salts?: Partial<Record<BrokerUser['key'], Buffer>>,
): Definitions;
