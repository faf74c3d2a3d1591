/**
 * The local platform with the "services multiplied" fixture (fifteen services: the five
 * definitions three times), data on disk, no seeding: the bench measures its idle memory beside
 * `npm start`'s. Usage: `node --import tsx bench/multiplied-platform.ts <dataDir> <apiPort> <awsPort>`.
 */
import { startRuntime } from '../infra/local/runtime';
import { multipliedServices } from '../test/fixtures/multiplied-services';

const [dataDir, apiPort, awsPort] = process.argv.slice(2);
if (!dataDir || !apiPort || !awsPort) throw new Error('usage: multiplied-platform.ts <dataDir> <apiPort> <awsPort>');
const services = multipliedServices();
const runtime = await startRuntime({ dataDir, apiPort: Number(apiPort), awsPort: Number(awsPort), services });
console.log(`Multiplied platform ready: ${services.length} services`);
const stop = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
