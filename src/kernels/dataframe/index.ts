/** Every dataframe kernel module, registered on import. */
import './expr.js';
import './rows.js';
