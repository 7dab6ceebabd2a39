/** Every dataframe kernel, registered on import (each module registers its own). */
import './groupby.js';
import './shuffle.js';
import './join.js';
import './distinct.js';
