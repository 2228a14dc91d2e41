/** Runs the CLI from the TypeScript sources (tests and development: `tsx cli/entry.ts …`). */
import { cli } from './main.js';

await cli(process.argv.slice(2));
