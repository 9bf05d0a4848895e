// Golden files of the detector's exports live in test/fixtures/detect (see test/helpers/golden.ts).
import { golden as compare } from '../helpers/golden.js';

export function golden(name: string, actual: string): void {
  compare(`detect/${name}`, actual);
}
