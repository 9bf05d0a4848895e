// The entry of the sensor's spool thread (sensor-thread.ts): the spool and the sender, off the analysis.
import { parentPort, workerData } from 'node:worker_threads';
import { type ShipperThreadInit, serveShipper } from './sensor-thread.js';

if (parentPort === null) throw new Error('sensor-worker.js runs as a worker thread');
serveShipper(parentPort, workerData as ShipperThreadInit);
