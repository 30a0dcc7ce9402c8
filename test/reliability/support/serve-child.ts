// Child-process entry for support/server.ts: exactly what bin/init-injector.js does, on the sources.
import { run } from '../../../src/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
