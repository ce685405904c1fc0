import path from 'node:path';
import { fileURLToPath } from 'node:url';

const parent = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The checkout: the parent of platform/, or of dist/ for the compiled code (npm start), which mirrors the sources. */
export const PROJECT_ROOT = path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
