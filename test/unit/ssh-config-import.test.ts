import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSshConfig } from '../../services/ssh-config-import.ts';

const config = `
# Homelab
Host *
    ServerAliveInterval 30
    User nobody-default

Host nas01 nas01-alias
    HostName 192.168.1.10
    User root
    Port 2222
    IdentityFile ~/.ssh/id_ed25519_nas

Host proxmox
  HostName=pve.lan
  IdentityFile "/home/me/.ssh/pve key"
  Port 22
  Port 2200

Host web-* !web-old
    User deploy

Match host pi4 exec "true"
    User pi

host pi4
    hostname %h.local
`;

test('concrete hosts become devices with HostName, Port, User and IdentityFile', () => {
  const { hosts, skipped } = parseSshConfig(config);
  assert.deepEqual(hosts, [
    {
      hostname: 'nas01',
      address: '192.168.1.10',
      port: 2222,
      username: 'root',
      identity_file: '~/.ssh/id_ed25519_nas',
    },
    {
      hostname: 'nas01-alias',
      address: '192.168.1.10',
      port: 2222,
      username: 'root',
      identity_file: '~/.ssh/id_ed25519_nas',
    },
    // First value wins, as in ssh; quoted values keep their spaces.
    { hostname: 'proxmox', address: 'pve.lan', port: 22, username: undefined, identity_file: '/home/me/.ssh/pve key' },
    { hostname: 'pi4', address: 'pi4.local', port: 22, username: undefined, identity_file: undefined },
  ]);
  assert.deepEqual(
    skipped.map((s) => s.host),
    ['*', 'web-*', '!web-old'],
  );
});

test('an invalid port skips the host with a reason', () => {
  const { hosts, skipped } = parseSshConfig('Host a\n  Port 99999\n');
  assert.equal(hosts.length, 0);
  assert.match(skipped[0]!.reason, /Port 99999/);
});
