// RabbitMQ's users and permissions for central (docs/operations.md, "Broker users"), as the
// definitions file the broker imports at every start (Secret rabbitmq-definitions). Each
// component has its own user with only what it does on the vhost:
//   central-api   declares the work queues and publishes to them through the default exchange
//   central-jobs  declares and consumes the work queues and their dead-letter queues
//   keda          the management API's queue lengths for scaling: tag monitoring, no AMQP rights
//   zra-admin     people (management UI, rabbitmqctl), tag administrator
// Declaring a queue whose dead-letter exchange is the default one needs write on amq.default
// and read on the queue, so the API and job users have the same queue rights; only the API
// publishes. Plain Node, no dependencies:
//   ZRA_MQ_ADMIN_PASSWORD=… ZRA_MQ_API_PASSWORD=… ZRA_MQ_JOBS_PASSWORD=… ZRA_MQ_KEDA_PASSWORD=… \
//     node k8s/tools/rabbitmq-definitions.mjs > definitions.json
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** The vhost central uses (the URLs in central-broker and central-jobs-broker name none). */
export const VHOST = '/';
/**
 * The work queues and their dead-letter queues: every queue of central/src/queue/queue-names.ts
 * (k8s/access.test.ts checks that none is missing), download being central pull's.
 */
export const QUEUE_PATTERN = '^(postprocess|report|download)(\\.dlq)?$';
/** Publishing through the default exchange, and naming it as the queues' dead-letter exchange. */
export const DEFAULT_EXCHANGE_PATTERN = '^amq\\.default$';
/** Nothing. */
export const NOTHING = '^$';

/** The users, their tags and their rights on {@link VHOST}. */
export const USERS = [
  {
    key: 'admin',
    name: 'zra-admin',
    tags: ['administrator'],
    configure: '.*',
    write: '.*',
    read: '.*',
  },
  {
    key: 'api',
    name: 'central-api',
    tags: [],
    configure: QUEUE_PATTERN,
    write: DEFAULT_EXCHANGE_PATTERN,
    read: QUEUE_PATTERN,
  },
  {
    key: 'jobs',
    name: 'central-jobs',
    tags: [],
    configure: QUEUE_PATTERN,
    write: DEFAULT_EXCHANGE_PATTERN,
    read: QUEUE_PATTERN,
  },
  {
    key: 'keda',
    name: 'keda',
    tags: ['monitoring'],
    configure: NOTHING,
    write: NOTHING,
    read: NOTHING,
  },
];

/**
 * RabbitMQ's password hash (rabbit_password_hashing_sha256): base64 of a 4-byte salt followed
 * by SHA-256(salt + password).
 */
export function passwordHash(password, salt = randomBytes(4)) {
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** True when `hash` (as {@link passwordHash} makes it) is that of `password`. */
export function hashMatches(hash, password) {
  const bytes = Buffer.from(hash, 'base64');
  return bytes.length === 36 && passwordHash(password, bytes.subarray(0, 4)) === hash;
}

/**
 * The definitions document for the given passwords (keys admin, api, jobs, keda). `salts`
 * (4 bytes each, by key) makes the output reproducible, for the dev overlay's committed file.
 */
export function rabbitmqDefinitions(passwords, salts = {}) {
  for (const u of USERS) {
    if (!passwords[u.key])
      throw new Error(`no password for the RabbitMQ user ${u.name} (${u.key})`);
  }
  return {
    users: USERS.map((u) => ({
      name: u.name,
      password_hash: passwordHash(passwords[u.key], salts[u.key]),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: u.tags,
      limits: {},
    })),
    vhosts: [{ name: VHOST, limits: [], metadata: { description: 'central', tags: [] } }],
    permissions: USERS.map((u) => ({
      user: u.name,
      vhost: VHOST,
      configure: u.configure,
      write: u.write,
      read: u.read,
    })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const passwords = {
    admin: process.env.ZRA_MQ_ADMIN_PASSWORD,
    api: process.env.ZRA_MQ_API_PASSWORD,
    jobs: process.env.ZRA_MQ_JOBS_PASSWORD,
    keda: process.env.ZRA_MQ_KEDA_PASSWORD,
  };
  const missing = Object.entries(passwords)
    .filter(([, v]) => !v)
    .map(([k]) => `ZRA_MQ_${k.toUpperCase()}_PASSWORD`);
  if (missing.length > 0) {
    process.stderr.write(
      `set ${missing.join(', ')} (one generated password each), then run this again\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(rabbitmqDefinitions(passwords), null, 2)}\n`);
}
