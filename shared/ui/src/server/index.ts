export { UI_CSP, UI_HEADERS, serveStaticFile, type StaticFileOptions } from './static-files.ts';
