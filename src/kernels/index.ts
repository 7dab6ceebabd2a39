/**
 * Everything a worker can run: importing this module registers every kernel. Workers load this and
 * nothing else of the engine.
 */
import './dataframe/index.js';
import './graph/index.js';
import './tensor/index.js';
import './chain.js';

export {
  getDriver, getKernel, hasKernel, membersFor, registerDriver, registerKernel, STEP_KERNEL, type DriverContext, type DriverKernel, type DriverMembers, type Kernel,
} from './registry.js';
export { runTask, type TaskMessage, type TaskOutcome } from './task.js';
