/**
 * Shared files: text is downloaded with the bot token from Slack's file host only; binary, huge and
 * unreadable files are skipped with a sentence. A real loopback server plays the file host.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadSharedFiles } from '../../src/slack/files.js';

const TOKEN = 'xoxb-files-test-token-000000';
let server: Server;
let host: string;
const seen: Array<{ path: string; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    if (req.url?.startsWith('/files-pri/missing')) return void res.writeHead(404).end();
    if (req.url?.startsWith('/files-pri/login')) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
    if (req.url?.startsWith('/files-pri/latin1')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    res.writeHead(200, { 'content-type': 'text/x-python' }).end('class Migration(migrations.Migration):\n    pass\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
});

describe('downloadSharedFiles', () => {
  it('downloads text files with the bot token and skips the rest with a reason', async () => {
    const result = await downloadSharedFiles(
      [
        { name: '0002_a.py', filetype: 'python', size: 40, url_private_download: `http://${host}/files-pri/T-F1/0002_a.py` },
        { name: 'shot.png', mimetype: 'image/png', filetype: 'png', size: 10, url_private_download: `http://${host}/files-pri/T-F2/shot.png` },
        { name: 'huge.log', filetype: 'text', size: 5 * 1024 * 1024, url_private_download: `http://${host}/files-pri/T-F3/huge.log` },
        { name: 'gone.py', size: 10, url_private_download: `http://${host}/files-pri/missing/gone.py` },
        { name: 'scope.py', size: 10, url_private_download: `http://${host}/files-pri/login/scope.py` },
        { name: 'cafe.txt', size: 4, url_private_download: `http://${host}/files-pri/latin1/cafe.txt` },
      ],
      { token: TOKEN, hosts: [host] },
    );
    expect(result.files).toEqual([{ name: '0002_a.py', text: 'class Migration(migrations.Migration):\n    pass\n' }]);
    expect(result.skipped.map((item) => item.note)).toEqual([
      '`shot.png` is not a text file, so I did not read it; share migrations as `.py` files and errors as text.',
      '`huge.log` is 5.0 MB; I read shared files up to 1.0 MB, so I did not read it. Share the part that matters.',
      '`gone.py` could not be downloaded from Slack (HTTP 404).',
      '`scope.py` could not be downloaded from Slack (the app may lack the files:read scope).',
      '`cafe.txt` is not UTF-8 text, so I did not read it.',
    ]);
    // Neither the picture nor the oversized log was requested.
    expect(seen.map((request) => request.path)).toEqual(['/files-pri/T-F1/0002_a.py', '/files-pri/missing/gone.py', '/files-pri/login/scope.py', '/files-pri/latin1/cafe.txt']);
    expect(new Set(seen.map((request) => request.auth))).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it('never sends the token to a host other than Slack’s file host', async () => {
    const port = host.split(':')[1];
    const result = await downloadSharedFiles([{ name: 'evil.py', url_private_download: `http://localhost:${port}/files-pri/T-F9/evil.py` }], { token: TOKEN, hosts: [host] });
    expect(result.files).toEqual([]);
    expect(result.skipped[0]!.note).toContain('could not be downloaded from Slack');
    expect(seen).toEqual([]);
  });
});
