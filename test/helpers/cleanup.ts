import { afterAll } from 'vitest';
import { removeTempDirs } from './cli.js';

// Every test file's temporary folders go once its tests are done, so the suite leaves nothing behind.
afterAll(removeTempDirs);
