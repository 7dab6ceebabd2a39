/** Registers every graph kernel (import for its side effects). */
import './apps.js';
import './layouts.js';
import './load.js';
import './persisted.js';
import './project.js';
import './select.js';
import './step.js';
import './parseRange.js';
import './frameLoad.js';
