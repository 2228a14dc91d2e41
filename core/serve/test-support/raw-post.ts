import { execFile } from 'node:child_process';

/**
 * POSTs `size` bytes of spaces over a plain socket from another process, as fast as the
 * connection takes them (as curl does; in this process the server would read between the
 * client's writes), and answers the status that came back, or null when the connection was
 * reset before an answer arrived.
 */
export function rawPost(port: number, path: string, headers: Record<string, string>, size: number, chunked = false): Promise<number | null> {
  const client = `
    const socket = require('node:net').connect({ host: '127.0.0.1', port: ${port} });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => { const status = /^HTTP\\/1\\.1 (\\d{3})/.exec(received); process.stdout.write(status ? status[1] : 'none'); });
    socket.on('connect', () => {
      const headers = ${JSON.stringify({ host: `127.0.0.1:${port}`, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }), ...headers })};
      socket.write('POST ${path} HTTP/1.1\\r\\n' + Object.entries(headers).map(([key, value]) => key + ': ' + value + '\\r\\n').join('') + '\\r\\n');
      const body = Buffer.alloc(${size}, 0x20);
      socket.end(${chunked} ? Buffer.concat([Buffer.from(body.length.toString(16) + '\\r\\n'), body, Buffer.from('\\r\\n0\\r\\n\\r\\n')]) : body);
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', client], { timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout === 'none' ? null : Number(stdout))));
  });
}
