/**
 * Everything a worker can run: importing this module registers every kernel. Workers load this and
 * nothing else of the engine.
 */
import './tensor/index.js';

export { getKernel, hasKernel, registerKernel, type Kernel } from './registry.js';
export { runTask, type TaskMessage, type TaskOutcome } from './task.js';
