// Child for the SIGINT test: starts an audit and interrupts itself once the temp dir exists.
import { auditFirmware } from '../../src/firmware/audit.js';

const image = process.argv[2]!;
await auditFirmware(image, {
  onTempDir: (dir) => {
    process.stdout.write(`${dir}\n`);
    process.kill(process.pid, 'SIGINT');
  },
});
// Reached only if the signal handler did not end the process.
await new Promise((r) => setTimeout(r, 2000));
process.stdout.write('still running\n');
