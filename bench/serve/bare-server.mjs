// The limit for `tensorloom serve` (issue 17): a bare node:http server with the same process
// model (one Node process), reading and parsing the same JSON body and answering a constant
// prediction of the same shape. Whatever Tensorloom does beyond this is its own cost.
// Usage: node bench/serve/bare-server.mjs  (prints its URL on stdout once it listens)
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';

const ANSWER = JSON.stringify({ predictions: [{ prediction: 'Adelie', probabilities: [0.9, 0.05, 0.05] }] });

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (request.url === '/v2/health/ready') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
    } else if (!body || !Array.isArray(body.instances)) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"instances: expected a list"}');
    } else {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER);
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`bare server: http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
