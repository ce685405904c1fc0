/**
 * The ceiling of the cached-read benchmark: a bare node:http server in its own process answering every
 * request with the same bytes a cached read returned (no routing, no validation, no audit, no database).
 * Usage: tsx bench/static-server.ts BODY_FILE → prints its port, serves until killed.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const file = process.argv[2];
if (!file) throw new Error('usage: static-server.ts BODY_FILE');
const body = readFileSync(file);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
