/** An external setting through real shell commands on a file standing in for /sys/block/…/scheduler. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalSetting, withValue } from './externalSetting.js';
import { redoDurationSec, schedulerCommands } from './presets.js';

test('{value} is replaced, single-quoted', () => {
  assert.equal(withValue('echo {value} > /x; echo {value}', "mq-deadline"), "echo 'mq-deadline' > /x; echo 'mq-deadline'");
  assert.equal(withValue('echo {value}', "a'b"), "echo 'a'\\''b'");
});

test('apply, verify, restore through commands; a value the verify command does not show refuses the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-external-'));
  try {
    const file = join(dir, 'scheduler');
    writeFileSync(file, 'none [mq-deadline] kyber bfq\n');
    // A fake scheduler file: writing a name brackets it, as the kernel's does.
    const apply = `v={value}; sed -i -e 's/[][]//g' -e "s/\\b$v\\b/[$v]/" ${file}`;
    const lines: string[] = [];
    const verify = schedulerCommands('x').verify.replace('/sys/block/x/queue/scheduler', file);
    const setting = new ExternalSetting({ name: 'io_scheduler', apply, verify, restore: null }, (l) => lines.push(l));
    assert.equal(await setting.init(), null);
    assert.equal(setting.original, 'mq-deadline');
    const applied = await setting.apply({ text: 'kyber', value: 'kyber', isSize: false });
    assert.deepEqual([applied.inEffect, applied.method], ['kyber', 'command']);
    assert.equal(readFileSync(file, 'utf8').trim(), 'none mq-deadline [kyber] bfq');
    await assert.rejects(setting.apply({ text: 'nosuch', value: 'nosuch', isSize: false }), /asked nosuch, the verify command says/);
    await setting.restore();
    assert.equal(readFileSync(file, 'utf8').trim(), 'none [mq-deadline] kyber bfq');
    assert.deepEqual(setting.restored.map((r) => [r.name, r.value, r.ok]), [['io_scheduler', 'mq-deadline', true]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a verify command that fails refuses before anything changes', async () => {
  const setting = new ExternalSetting({ name: 'io_scheduler', apply: 'true {value}', verify: 'cat /nonexistent/scheduler', restore: null }, () => undefined);
  assert.match((await setting.init())!, /the verify command failed before anything changed: .*No such file/);
});

test('redo-size duration: twice the fill time of the largest redo, within bounds', () => {
  const mib = 1024 * 1024;
  assert.deepEqual(redoDurationSec(15 * mib, 1024 * mib, 60, 300), { seconds: 140, fillSec: 1024 / 15 });
  assert.equal(redoDurationSec(1 * mib, 1024 * mib, 60, 300).seconds, 300, 'capped');
  assert.equal(redoDurationSec(100 * mib, 48 * mib, 60, 300).seconds, 60, 'at least the minimum');
});
