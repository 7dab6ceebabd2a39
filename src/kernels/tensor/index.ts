/** Registers every tensor kernel (import for its side effects). */
import './create.js';
import './elementwise.js';
import './matmul.js';
import './reduce.js';
import './reshape.js';
import './fold.js';
