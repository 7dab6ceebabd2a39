/** Registers every dataframe kernel (import for its side effects). */
import './basic.js';
import './fromGraph.js';
