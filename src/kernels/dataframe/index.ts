/** Every dataframe kernel module, registered on import. */
import './csv.js';
import './parquet.js';
import './arrowFile.js';
