export * from './drop/primitives.ts';
export * from './drop/manifest.ts';
export * from './drop/entries.ts';
export * from './drop/file-name.ts';
export * from './drop/verify-result.ts';
export * from './ride-model/ride-model.ts';
