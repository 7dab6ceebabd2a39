/** Registers every dataframe kernel (import for its side effects). */
import './sort.js';
import './topn.js';
import './describe.js';
