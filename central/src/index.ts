export { appRouter } from './server/router.ts';
export type { AppRouter } from './server/router.ts';
