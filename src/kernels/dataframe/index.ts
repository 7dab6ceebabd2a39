/** Every dataframe kernel module, registered on import. */
import './basic.js';
import './fromGraph.js';
import './expr.js';
import './rows.js';
import './sort.js';
import './topn.js';
import './describe.js';
import './groupby.js';
import './shuffle.js';
import './join.js';
import './distinct.js';
import './csv.js';
import './parquet.js';
import './arrowFile.js';
import './tensor.js';
