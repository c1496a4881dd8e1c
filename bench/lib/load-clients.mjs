// Worker-thread entry of bench/load.ts's clients: tsx's loader does not reach worker threads on
// Node 20, so the TypeScript module is imported through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./load-clients.ts', import.meta.url);
