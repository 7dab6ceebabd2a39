/**
 * Worker-thread entry for the parallel test: runs any graph step on the shared buffers it is sent and
 * posts back its result (or the error, as data).
 */
import { parentPort } from 'node:worker_threads';
import { errorToData } from '../../../src/base/errors.js';
import { lookupStep } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';

export interface StepMessage {
  readonly id: number;
  readonly step: string;
  readonly args: object;
  readonly lo: number;
  readonly hi: number;
}

parentPort!.on('message', (message: StepMessage) => {
  try {
    const result = lookupStep(GRAPH_STEPS, message.step)(message.args, message.lo, message.hi);
    parentPort!.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: errorToData(error) });
  }
});
