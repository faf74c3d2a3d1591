import { ensureConsoleBuilt } from '../../infra/local/console-build';

/** Once per test run: the console the browser tests open is the one of this checkout. */
export default function setup() {
  ensureConsoleBuilt();
}
