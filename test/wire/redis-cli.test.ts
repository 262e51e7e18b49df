// The registry through redis-cli: one-shot commands (raw, --no-raw, -3, --json) and the interactive prompt
// in a terminal multiplexer, whose command hints come from our COMMAND DOCS. Pending where redis-cli or tmux is
// missing (see test/helpers/programs.ts).

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import { describeNeeding } from '../helpers/programs.js';
import { WireFixture } from './fixture.js';

const run = promisify(execFile);

function cli(port: number, ...args: string[]): Promise<string> {
  return run('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 }).then((r) => r.stdout);
}

describeNeeding(['redis-cli'], 'redis-cli', () => {
  let fx: WireFixture;

  beforeEach(async () => {
    fx = await WireFixture.start();
  });

  afterEach(async () => {
    await fx.close();
  });

  describe('one-shot commands', () => {
    it('HBEAT, then lists and counts, in raw output', async () => {
      const beat = [
        'HBEAT',
        'gpu0-worker',
        'hive-a',
        'STATE',
        'Idle',
        'MODEL',
        'llama-3-8b',
        'BACKEND',
        'cuda',
        'VRAM',
        '8000000000',
        'GPU',
        '12',
        'URL',
        'http://10.0.0.5:8081',
      ];
      expect(await cli(fx.port, ...beat)).to.equal('1\n');
      expect(await cli(fx.port, 'HBEAT', 'gpu0-worker', 'hive-a', 'GPU', '40')).to.equal('0\n');
      await cli(fx.port, 'HBEAT', 'w2', 'hive-b');
      expect(await cli(fx.port, 'HIVE.ACTIVE')).to.equal('hive-a\nhive-b\n');
      expect(await cli(fx.port, 'HIVE.COUNT')).to.equal('2\n');
      expect(await cli(fx.port, 'WORKER.URL', 'gpu0-worker')).to.equal('http://10.0.0.5:8081\n');
    });

    it('--no-raw shows types, nils and errors the way Redis does, and the error changes nothing', async () => {
      await cli(fx.port, 'HBEAT', 'w', 'h', 'STATE', 'Busy');
      expect(await cli(fx.port, '--no-raw', 'HBEAT', 'w', 'h')).to.equal('(integer) 0\n');
      expect(await cli(fx.port, '--no-raw', 'WORKER.GET', 'nope')).to.equal('(nil)\n');
      expect(await cli(fx.port, '--no-raw', 'HIVE.LIST')).to.equal('1) "h"\n');
      expect(await cli(fx.port, '--no-raw', 'HBEAT', 'w', 'h', 'STATE', 'sleeping')).to.equal(
        "(error) ERR invalid STATE 'sleeping': expected Idle, Busy or Loading\n",
      );
      expect(await cli(fx.port, '--no-raw', 'NOPE', 'x')).to.equal("(error) ERR unknown command 'NOPE', with args beginning with: 'x' \n");
      expect(await cli(fx.port, '--no-raw', 'HIVE.GET')).to.equal("(error) ERR wrong number of arguments for 'hive.get' command\n");
      expect(await cli(fx.port, 'WORKER.LIST', 'STATE', 'Busy')).to.include('\nBusy\n');
    });

    it('-3 shows records as maps with doubles', async () => {
      await cli(fx.port, 'HBEAT', 'w', 'hive-a', 'VRAM', '8000000000', 'RAM', '1500000000', 'VRAM_TOTAL', '24000000000');
      expect(await cli(fx.port, '-3', '--no-raw', 'HIVE.RES', 'hive-a')).to.equal(
        [
          ' 1# "hive_id" => "hive-a"',
          ' 2# "worker_count" => (integer) 1',
          ' 3# "vram_used_bytes" => (integer) 8000000000',
          ' 4# "ram_used_bytes" => (integer) 1500000000',
          ' 5# "vram_used_gb" => (double) 8',
          ' 6# "ram_used_gb" => (double) 1.5',
          ' 7# "vram_total_bytes" => (integer) 24000000000',
          ' 8# "vram_free_bytes" => (integer) 16000000000',
          ' 9# "online_worker_count" => (integer) 1',
          '10# "online_vram_used_bytes" => (integer) 8000000000',
          '11# "online_ram_used_bytes" => (integer) 1500000000',
          '12# "online_vram_total_bytes" => (integer) 24000000000',
          '13# "online_vram_free_bytes" => (integer) 16000000000',
          '',
        ].join('\n'),
      );
      expect(await cli(fx.port, '-3', '--no-raw', 'HIVE.GET', 'nope')).to.equal('(nil)\n');
    });

    it('--json output parses: records as objects with numbers and nulls, lists as arrays', async () => {
      await cli(fx.port, 'HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama-3-8b', 'GPU', '12.5', 'VRAM', '8000000000');
      await cli(fx.port, 'HBEAT', 'gpu1', 'hive-a', 'STATE', 'Busy');
      const best = JSON.parse(await cli(fx.port, '--json', '-3', 'WORKER.BEST', 'llama-3-8b'));
      expect(best).to.include({
        worker_id: 'gpu0',
        hive_id: 'hive-a',
        state: 'Idle',
        health: 'healthy',
        model_id: 'llama-3-8b',
        url: null,
        gpu_percent: 12.5,
        vram_bytes: 8_000_000_000,
        online: 1,
      });
      expect(JSON.parse(await cli(fx.port, '--json', 'HIVE.LIST'))).to.deep.equal(['hive-a']);
      expect(JSON.parse(await cli(fx.port, '--json', '-3', 'WORKER.GET', 'nope'))).to.equal(null);
      const workers = JSON.parse(await cli(fx.port, '--json', '-3', 'HIVE.WORKERS', 'hive-a'));
      expect(workers.map((w: { worker_id: string }) => w.worker_id)).to.deep.equal(['gpu0', 'gpu1']);
      const res = JSON.parse(await cli(fx.port, '--json', '-3', 'HIVE.RES', 'hive-a'));
      expect(res).to.include({ worker_count: 2, vram_used_gb: 8 });
      const info = JSON.parse(await cli(fx.port, '--json', '-3', 'HELLO'));
      expect(info).to.include({ server: 'rbee-registry', proto: 3 });
    });

    it('-a authenticates against a server with a password', async () => {
      await fx.close();
      fx = await WireFixture.start({ requirePass: 's3cret' });
      expect(await cli(fx.port, '--no-raw', 'HIVE.COUNT')).to.equal('(error) NOAUTH Authentication required.\n');
      expect(await cli(fx.port, '--no-auth-warning', '-a', 's3cret', 'HBEAT', 'w', 'h')).to.equal('1\n');
      expect(await cli(fx.port, '--no-auth-warning', '-a', 's3cret', '-3', 'HIVE.COUNT')).to.equal('1\n');
    });
  });

  describeNeeding(['tmux'], 'interactive', () => {
    // A tmux server of our own (its own socket, no user config), so no run shares or leaves state with another.
    const socket = `registry-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const session = 'cli';
    const tmux = (...args: string[]) => run('tmux', ['-L', socket, '-f', os.devNull, ...args], { timeout: 10_000 });
    let started = false;

    afterEach(async () => {
      if (started) await tmux('kill-server').catch(() => {});
      started = false;
    });

    const pane = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;

    /** Polls the pane until it satisfies `done`: each try is a real capture, bounded by a deadline. */
    async function waitForPane(done: (text: string) => boolean, what: string, withinMs = 10_000): Promise<string> {
      const deadline = Date.now() + withinMs;
      let text: string;
      do {
        text = await pane();
        if (done(text)) return text;
      } while (Date.now() < deadline);
      throw new Error(`pane never showed ${what}:\n${text}`);
    }

    it('shows the HBEAT hint built from COMMAND DOCS and answers HIVE.COUNT', async () => {
      await fx.ioredis({ protocol: 2 }).then((r) => r.call('HBEAT', 'w', 'h'));
      const prompt = `127.0.0.1:${fx.port}>`;
      await tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', `redis-cli -p ${fx.port}`);
      started = true;
      await waitForPane((t) => t.includes(prompt), 'the prompt');

      await tmux('send-keys', '-t', session, 'HBEAT ');
      // The hint runs on past the pane's width; its start is enough to show redis-cli parsed our docs.
      const hinted = await waitForPane((t) => t.includes('[STATE state]'), 'the HBEAT hint');
      const line = hinted.split('\n').find((l) => l.startsWith(prompt))!;
      expect(line).to.include(`${prompt} HBEAT worker_id hive_id [STATE state] [HEALTH health] [URL url] [MODEL model]`);

      await tmux('send-keys', '-t', session, 'C-u');
      await tmux('send-keys', '-t', session, 'WORKER.LIST ');
      const listHint = await waitForPane((t) => t.includes('[MAXAGE ms]'), 'the WORKER.LIST hint');
      expect(listHint).to.include('WORKER.LIST [HIVE hive_id] [STATE state] [MODEL model_id] [BACKEND backend] [MAXAGE ms]');

      await tmux('send-keys', '-t', session, 'C-u');
      await tmux('send-keys', '-t', session, 'HIVE.COUNT', 'Enter');
      const answered = await waitForPane((t) => t.includes('(integer) 1'), 'the HIVE.COUNT reply');
      expect(answered).to.include(`${prompt} HIVE.COUNT\n(integer) 1`);
    });
  });
});
