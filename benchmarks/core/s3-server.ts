// Child process for the S3 benchmark: runs s3rver on its own core, so the server's work does not
// share an event loop with the client being measured. Prints the server as JSON, stops on SIGTERM.
import { startS3 } from '@mlinfra/test-servers/servers';

const server = await startS3({ buckets: ['bench-bucket'] });
process.stdout.write(`${JSON.stringify(server)}\n`);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
