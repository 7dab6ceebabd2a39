/** Registers every graph kernel (import for its side effects). */
import './step.js';
