import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyseCommand,
  CommandRejectedError,
  MAX_COMMAND_BYTES,
  type CommandFinding,
  type DestructiveCategory,
  type RiskLevel,
} from '../../domain/safety/command-analysis.ts';

interface Case {
  command: string;
  destructive: boolean;
  /** Destructive: a finding of this category at MEDIUM or above. Benign: a (LOW) finding of this category. */
  category?: DestructiveCategory;
  /** The analysis' overall risk. */
  risk?: RiskLevel;
  /** Targets of the finding of `category`. */
  targets?: string[];
}

const destructive = (command: string, category: DestructiveCategory, risk?: RiskLevel, targets?: string[]): Case => ({
  command,
  destructive: true,
  category,
  risk,
  targets,
});
/** Not destructive; with a category, reported as a LOW single-object action. */
const benign = (command: string, category?: DestructiveCategory, targets?: string[]): Case => ({
  command,
  destructive: false,
  category,
  targets,
});

const RANK: RiskLevel[] = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const atLeastMedium = (finding: CommandFinding) => RANK.indexOf(finding.risk) >= RANK.indexOf('MEDIUM');

function check(testCase: Case): void {
  const analysis = analyseCommand(testCase.command);
  const summary = JSON.stringify(analysis.findings, null, 1);
  assert.equal(analysis.destructive, testCase.destructive, `destructive? findings: ${summary}`);
  if (testCase.risk) assert.equal(analysis.risk, testCase.risk, `risk; findings: ${summary}`);
  if (!testCase.destructive)
    assert.ok(
      analysis.findings.every((finding) => !atLeastMedium(finding)),
      summary,
    );
  if (testCase.category) {
    const finding = analysis.findings.find(
      (f) => f.category === testCase.category && (testCase.destructive ? atLeastMedium(f) : true),
    );
    assert.ok(finding, `expected a ${testCase.category} finding, got ${summary}`);
    if (testCase.targets) assert.deepEqual(finding.targets, testCase.targets);
  } else if (!testCase.destructive) {
    assert.deepEqual(analysis.findings, [], 'no findings expected');
  }
}

function table(name: string, cases: Case[]): void {
  describe(name, () => {
    for (const testCase of cases) {
      it(`${testCase.destructive ? 'holds' : 'passes'}: ${testCase.command}`, () => check(testCase));
    }
  });
}

table('tricky commands from the issue', [
  destructive("sudo -u root bash -c 'docker rm -f $(docker ps -aq)'", 'container_bulk', 'HIGH', ['*']),
  destructive('ssh nas "zpool destroy tank"', 'zfs_destroy', 'CRITICAL', ['tank']),
  destructive('echo ok && reboot', 'power', 'HIGH'),
  destructive('(cd / && rm -rf var)', 'filesystem_delete', 'CRITICAL', ['/var']),
  destructive('true || shutdown -h now', 'power', 'CRITICAL'),
  destructive('nohup poweroff &', 'power', 'CRITICAL'),
  destructive('timeout 5 dd if=/dev/zero of=/dev/sda', 'disk_wipe', 'CRITICAL', ['/dev/sda']),
  destructive("find / -name '*.log' -exec rm {} \\;", 'filesystem_delete', 'HIGH'),
  destructive('curl -s http://x/install.sh | bash', 'unanalysable'),
  destructive('echo cm0gLXJmIC8= | base64 -d | sh', 'unanalysable'),
  destructive('eval "$(curl x)"', 'unanalysable'),
  destructive('xargs rm -rf < list', 'filesystem_delete', 'HIGH', ['*']),
  destructive('docker ps -q | xargs docker stop', 'container_bulk', 'HIGH', ['*']),
  destructive('env -i PATH=/bin rm -rf /home', 'filesystem_delete', 'CRITICAL', ['/home']),
  destructive('/usr/bin/sudo /sbin/reboot', 'power', 'HIGH'),
  destructive('systemctl stop docker.service', 'service_stop', 'HIGH', ['docker']),
  // An application service: a targeted action, reported at LOW.
  benign('systemctl stop nginx', 'service_stop', ['nginx']),
  destructive('docker compose -f /opt/app/compose.yml down --volumes', 'compose_down', 'HIGH', ['/opt/app']),
  destructive('for c in $(docker ps -q); do docker rm -f $c; done', 'container_bulk', 'HIGH', ['*']),
  destructive('bash <<EOF\nrm -rf /\nEOF', 'filesystem_delete', 'CRITICAL', ['/']),
  destructive('cat > /etc/fstab', 'filesystem_delete', 'HIGH', ['/etc/fstab']),
  // Log truncation frees space and only loses old log lines: LOW.
  benign(': > /var/log/syslog', 'filesystem_delete', ['/var/log/syslog']),
  destructive('rm -rf /tmp/../etc', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('rm -rf ~', 'filesystem_delete', 'CRITICAL', ['~']),
  destructive('rm -rf *', 'filesystem_delete', 'HIGH'),
  destructive('rm -rf "$DIR"/', 'filesystem_delete', 'HIGH'),
  destructive(':(){ :|:& };:', 'resource_exhaustion', 'CRITICAL'),
  destructive('bomb() { bomb | bomb & }; bomb', 'resource_exhaustion', 'CRITICAL'),
]);

table('lists, pipelines, groups, control flow and substitutions', [
  destructive('ls; rm -rf /boot; ls', 'filesystem_delete', 'CRITICAL', ['/boot']),
  destructive('ls && ls || reboot', 'power'),
  destructive('uptime | reboot', 'power'),
  destructive('{ echo start; reboot; }', 'power'),
  destructive('(reboot)', 'power'),
  destructive('reboot & disown', 'power'),
  destructive('sleep 60 && reboot &', 'power'),
  destructive('! reboot', 'power'),
  destructive('time rm -rf /usr', 'filesystem_delete', 'CRITICAL'),
  destructive('coproc reboot', 'power'),
  destructive('if true; then reboot; fi', 'power'),
  destructive('if ping -c1 x; then echo up; else systemctl stop docker; fi', 'service_stop', 'HIGH'),
  destructive('while true; do docker kill $(docker ps -q); sleep 1; done', 'container_bulk', 'HIGH'),
  destructive('until false; do :; done; poweroff', 'power'),
  destructive('case $1 in stop) shutdown -h now;; esac', 'power'),
  destructive('cleanup() { rm -rf /var/lib/docker; }', 'filesystem_delete', 'CRITICAL'),
  destructive('echo $(reboot)', 'power'),
  destructive('echo `reboot`', 'power'),
  destructive('echo "today: $(poweroff)"', 'power'),
  destructive('X=$(reboot)', 'power'),
  destructive('local x=$(poweroff)', 'power'),
  destructive('export X=$(reboot)', 'power'),
  destructive('[[ -n $(reboot) ]]', 'power'),
  destructive('echo ${X:-$(reboot)}', 'power'),
  destructive('diff <(ls) <(reboot)', 'power'),
  destructive('ls > >(reboot)', 'power'),
  destructive('cat <<EOF\n$(reboot)\nEOF', 'power'),
  destructive('for f in $(reboot); do echo $f; done', 'power'),
  destructive('for ((i = 0; i < 3; i++)); do reboot; done', 'power'),
  destructive('select x in a b; do rm -rf /; done', 'filesystem_delete', 'CRITICAL'),
  destructive('let x=$(reboot)+1', 'power'),
  destructive('a=(1 $(reboot))', 'power'),
  destructive('echo ${a/x/$(reboot)}', 'power'),
  destructive('echo $((1 + $(reboot)))', 'power'),
  destructive('cat < <(reboot)', 'power'),
  destructive(': ${X:=$(reboot)}', 'power'),
  destructive('echo "$(echo "$(reboot)")"', 'power'),
  destructive('echo `echo \\`reboot\\``', 'power'),
  destructive('function f { reboot; }', 'power'),
  destructive('f() (reboot)', 'power'),
  destructive('coproc NAME { reboot; }', 'power'),
  destructive('[[ $x =~ ^a.*$ ]] && reboot', 'power'),
  destructive('exec {fd}>/dev/sda', 'disk_wipe', 'CRITICAL'),
  destructive('ls &>> /dev/sda', 'disk_wipe', 'CRITICAL'),
  destructive('a |& reboot', 'power'),
  destructive('re\\\nboot', 'power'),
  destructive('{reboot,}', 'power'),
  destructive("$'\\x72eboot'", 'power'),
  destructive('rm -rf /tmp/$(echo x)', 'filesystem_delete', 'HIGH'),
  destructive('rm -rf ~root', 'filesystem_delete', 'CRITICAL'),
  destructive('rm -rf ~/../..', 'filesystem_delete', 'HIGH'),
  destructive('function g() { g & g; }; g', 'resource_exhaustion', 'CRITICAL'),
  destructive('tee >(sh) < /dev/null', 'unanalysable'),
  destructive('ls > /dev/sda', 'disk_wipe', 'CRITICAL', ['/dev/sda']),
  destructive('{ echo x; } > /etc/fstab', 'filesystem_delete', 'HIGH'),
  destructive('> /etc/fstab', 'filesystem_delete', 'HIGH'),
  benign('cat <<EOF\nrm -rf /\nEOF'),
  benign('cat <<-EOF\n\treboot\n\tEOF'),
  benign('declare -A m=([a]=1)'),
  benign('ls @(a|b) !(x) +(y)'),
  benign('ls \\\n  -la'),
  benign('echo {1..1000}'),
  benign('trap - INT'),
  benign("cat <<'EOF' > /tmp/notes\nreboot\nEOF"),
  benign('echo ok && ls'),
  benign('true || echo failed'),
  benign('for f in *.log; do gzip "$f"; done'),
  benign('if [ -f /etc/fstab ]; then cat /etc/fstab; fi'),
  benign('docker compose pull && docker compose up -d'),
  benign('mkdir -p /srv/app && cd /srv/app'),
  benign('rm -rf /tmp/build && mkdir /tmp/build'),
  benign('cd /tmp && rm -rf build'),
  benign('cd /tmp/work && rm -rf *'),
  // cd may fail: the next statement of a plain list still runs, somewhere unknown.
  destructive('cd /tmp; rm -rf build', 'filesystem_delete', 'MEDIUM'),
  destructive('cd /tmp && cd .. && rm -rf etc', 'filesystem_delete', 'CRITICAL', ['/etc']),
]);

table('wrappers', [
  destructive('sudo rm -rf /etc', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('sudo -u postgres rm -rf /var/lib/postgresql', 'filesystem_delete', 'CRITICAL'),
  destructive('sudo -E reboot', 'power'),
  destructive('sudo -i -u root reboot', 'power'),
  destructive('sudo -- reboot', 'power'),
  destructive('sudo -D / rm -rf var', 'filesystem_delete', 'CRITICAL', ['/var']),
  destructive('sudo DEBIAN_FRONTEND=noninteractive apt-get purge -y openssh-server', 'package_removal', 'HIGH'),
  destructive('doas reboot', 'power'),
  destructive('doas -u root rm -rf /boot', 'filesystem_delete'),
  destructive('pkexec reboot', 'power'),
  destructive('run0 --user=root reboot', 'power'),
  destructive('env VAR=x reboot', 'power'),
  destructive('env -u HOME -C / rm -rf var', 'filesystem_delete', 'CRITICAL', ['/var']),
  destructive('env -S "rm -rf /"', 'unanalysable'),
  destructive('nohup rm -rf /srv/data > /dev/null 2>&1 &', 'filesystem_delete', 'HIGH', ['/srv/data']),
  destructive('timeout 10 reboot', 'power'),
  destructive('timeout -s KILL 30s docker system prune -af', 'container_prune'),
  destructive('timeout --kill-after=5 10 poweroff', 'power'),
  destructive('nice -n 5 rm -rf /var/lib/docker', 'filesystem_delete', 'CRITICAL'),
  destructive('nice -10 reboot', 'power'),
  destructive('ionice -c3 rm -rf /home/alice', 'filesystem_delete', 'CRITICAL', ['/home/alice']),
  destructive('ionice -c 2 -n 7 reboot', 'power'),
  destructive('stdbuf -oL dd if=/dev/zero of=/dev/nvme0n1 bs=1M', 'disk_wipe', 'CRITICAL'),
  destructive('chrt -f 99 reboot', 'power'),
  destructive('taskset -c 0 reboot', 'power'),
  destructive('setsid reboot', 'power'),
  destructive('flock /tmp/lock reboot', 'power'),
  destructive('flock -n /tmp/lock -c "reboot"', 'power'),
  destructive('systemd-run --unit cleanup rm -rf /var/lib/docker', 'filesystem_delete'),
  destructive('chroot /mnt rm -rf /etc', 'filesystem_delete'),
  destructive('nsenter -t 1 -m -u -n -i reboot', 'power'),
  destructive('xargs -0 rm -f', 'filesystem_delete', 'MEDIUM', ['*']),
  destructive('echo x | xargs -I{} rm -rf /srv/{}', 'filesystem_delete', 'HIGH'),
  destructive('docker ps -aq | xargs -r docker rm -f', 'container_bulk', 'HIGH'),
  destructive("watch -n 5 'docker rm -f $(docker ps -aq)'", 'container_bulk'),
  destructive('watch -x reboot', 'power'),
  destructive('ssh root@nas zpool destroy tank', 'zfs_destroy', 'CRITICAL'),
  destructive('ssh -p 2222 -i ~/.ssh/id nas "sudo reboot"', 'power'),
  destructive('ssh nas -t "sudo systemctl stop sshd"', 'service_stop', 'CRITICAL'),
  destructive('ssh nas <<EOF\nreboot\nEOF', 'power'),
  destructive('cat script.sh | ssh nas', 'unanalysable'),
  destructive('ssh nas "$CMD"', 'unanalysable'),
  destructive("bash -c 'reboot'", 'power'),
  destructive("sh -c 'rm -rf /'", 'filesystem_delete', 'CRITICAL'),
  destructive("zsh -c 'poweroff'", 'power'),
  destructive("dash -c 'halt'", 'power'),
  destructive("bash -lc 'systemctl stop sshd'", 'service_stop', 'CRITICAL'),
  destructive("bash -eo pipefail -c 'zfs destroy -r tank/data'", 'zfs_destroy', 'CRITICAL'),
  destructive('bash -c \'bash -c "reboot"\'', 'power'),
  destructive("bash -c $'reboot\\n'", 'power'),
  destructive('bash -c "$X"', 'unanalysable'),
  destructive("eval 'reboot'", 'power'),
  destructive('eval reboot', 'power'),
  destructive('eval "$CMD"', 'unanalysable'),
  destructive('exec reboot', 'power'),
  destructive('command reboot', 'power'),
  destructive('builtin eval reboot', 'power'),
  destructive('busybox rm -rf /etc', 'filesystem_delete', 'CRITICAL'),
  destructive('busybox sh -c "reboot"', 'power'),
  destructive('/usr/bin/time -v rm -rf /usr', 'filesystem_delete', 'CRITICAL'),
  destructive('su -c "reboot" root', 'power'),
  destructive('su - root -c "zpool destroy tank"', 'zfs_destroy'),
  destructive('sudo su -c "rm -rf /etc"', 'filesystem_delete'),
  destructive('runuser -u www-data -- rm -rf /var/www', 'filesystem_delete'),
  destructive('sg docker -c "docker rm -f $(docker ps -aq)"', 'unanalysable'),
  destructive('echo reboot | at now', 'unanalysable'),
  destructive('at now <<EOF\nreboot\nEOF', 'power'),
  destructive('trap "reboot" EXIT', 'power'),
  destructive('script -qc "reboot" /dev/null', 'power'),
  destructive('docker exec db rm -rf /var/lib/postgresql/data', 'filesystem_delete'),
  destructive('kubectl exec -it db -- rm -rf /var/lib/postgresql', 'filesystem_delete'),
  benign('command -v reboot'),
  benign('sudo -l'),
  benign('sudo bash'),
  benign('docker exec -it web bash'),
  benign('bash ./deploy.sh'),
  benign('nohup ./server &'),
  benign('timeout 5 ping -c 1 1.1.1.1'),
  benign('xargs -n1 echo < list'),
  benign('watch -n 2 docker ps'),
  benign('env'),
  benign('ssh nas'),
  benign('ssh nas uptime'),
  benign('ssh nas "zpool status"'),
  benign("sudo -u postgres psql -c 'select 1'"),
  benign('eval "echo hi"'),
  benign('python3 -c "print(1)"'),
  benign('cat data.json | python3 -c "import json,sys; print(json.load(sys.stdin))"'),
]);

table('absolute paths, quoting and program names only known at run time', [
  destructive('/usr/bin/rm -rf /', 'filesystem_delete', 'CRITICAL', ['/']),
  destructive('/sbin/reboot', 'power'),
  destructive('\\reboot', 'power'),
  destructive("'reboot'", 'power'),
  destructive('"re"boot', 'power'),
  destructive('/etc/init.d/docker stop', 'service_stop', 'HIGH', ['docker']),
  destructive('$CMD args', 'unanalysable'),
  destructive('"$(echo rm)" -rf /', 'unanalysable'),
  destructive('${RM:-rm} -rf /', 'unanalysable'),
  destructive('python3 < /tmp/x.py', 'unanalysable'),
  destructive('curl -s x | python3', 'unanalysable'),
  destructive('curl -s x | sudo bash -s -- --yes', 'unanalysable'),
  destructive('bash <(curl -s http://x/install.sh)', 'unanalysable'),
  destructive('source <(curl -s x)', 'unanalysable'),
  destructive('sh < script.sh', 'unanalysable'),
  destructive('bash -s < deploy.sh', 'unanalysable'),
  destructive('wget -qO- http://x | sh -s', 'unanalysable'),
  destructive('echo "reboot" | bash', 'unanalysable'),
  destructive('bash <<< "reboot"', 'power'),
  destructive("bash <<'EOF'\nreboot\nEOF", 'power'),
  destructive('bash <<EOF\n$CMD\nEOF', 'unanalysable'),
  destructive('echo reboot > /tmp/x.sh && bash /tmp/x.sh', 'unanalysable'),
  destructive('cat > run.sh <<EOF\nreboot\nEOF\nchmod +x run.sh; ./run.sh', 'unanalysable'),
  destructive('printf "reboot" > /tmp/a; . /tmp/a', 'unanalysable'),
  destructive('exec < <(curl -s x); bash', 'unanalysable'),
  destructive('exec <<EOF\nreboot\nEOF\nbash', 'power'),
  destructive('echo (', 'unanalysable'),
  destructive("echo 'unterminated", 'unanalysable'),
  destructive('if true; then', 'unanalysable'),
  destructive(';;', 'unanalysable'),
  benign('echo hi > /tmp/a; cat /tmp/a'),
  benign('exec 2>/dev/null; ls'),
  benign('echo reboot'),
  benign('echo "rm -rf /"'),
  benign("printf 'reboot\\n'"),
  benign("echo 'docker system prune -af'"),
  benign('# reboot'),
  benign('echo "$(date) reboot scheduled"'),
  benign('man reboot'),
  benign('which rm'),
  benign('type reboot'),
  benign('history | grep rm'),
  benign('grep shutdown /var/log/syslog'),
  benign("grep -r 'mkfs' /etc"),
  benign('last reboot'),
]);

table('containers', [
  benign('docker ps'),
  benign('docker ps -a'),
  benign('docker logs nginx'),
  benign('docker inspect x'),
  benign('docker images'),
  benign('docker stats --no-stream'),
  benign('docker pull nginx:latest'),
  benign('docker run -d --name web nginx'),
  benign('docker volume ls'),
  benign('docker system df'),
  benign('docker compose ps'),
  benign('docker compose up -d'),
  benign('docker compose logs -f web'),
  benign('docker exec web ls /'),
  benign('docker restart nginx', 'container_action', ['nginx']),
  benign('docker stop nginx', 'container_action', ['nginx']),
  benign('docker kill nginx', 'container_action', ['nginx']),
  benign('docker rm -f nginx', 'container_action', ['nginx']),
  benign('docker container stop web', 'container_action', ['web']),
  benign('podman stop web', 'container_action', ['web']),
  benign('docker compose stop web', 'container_action', ['web']),
  benign('docker rmi nginx:old', 'image_removal', ['nginx:old']),
  destructive('docker stop $(docker ps -q)', 'container_bulk', 'HIGH', ['*']),
  destructive('docker rm -f a b', 'container_bulk', 'MEDIUM', ['a', 'b']),
  destructive('docker rm -f $(docker ps -aq)', 'container_bulk', 'HIGH', ['*']),
  destructive('docker kill $(docker ps -q)', 'container_bulk', 'HIGH', ['*']),
  destructive('docker container rm -f web db cache', 'container_bulk', 'MEDIUM', ['web', 'db', 'cache']),
  destructive('docker stop web db', 'container_bulk', 'MEDIUM', ['web', 'db']),
  destructive('docker rm -f app{1..3}', 'container_bulk', 'MEDIUM', ['app1', 'app2', 'app3']),
  destructive('docker restart $(docker ps -q)', 'container_bulk', 'MEDIUM'),
  destructive('podman stop -a', 'container_bulk', 'HIGH', ['*']),
  destructive('podman rm -af', 'container_bulk', 'HIGH'),
  destructive('docker -H tcp://nas:2375 rm -f a b', 'container_bulk'),
  destructive('docker --context prod stop $(docker ps -q)', 'container_bulk', 'HIGH'),
  destructive('docker system prune', 'container_prune', 'MEDIUM'),
  destructive('docker system prune -af --volumes', 'container_prune', 'HIGH'),
  destructive('docker container prune -f', 'container_prune'),
  destructive('docker image prune -a', 'container_prune'),
  destructive('docker volume prune -f', 'container_prune', 'HIGH'),
  destructive('docker network prune', 'container_prune'),
  destructive('docker builder prune -af', 'container_prune'),
  destructive('docker buildx prune', 'container_prune'),
  destructive('docker volume rm pgdata', 'volume_removal', 'HIGH', ['pgdata']),
  destructive('docker volume rm $(docker volume ls -q)', 'volume_removal', 'HIGH', ['*']),
  destructive('docker rm -v db', 'volume_removal', 'HIGH', ['db']),
  destructive('docker compose down', 'compose_down', 'MEDIUM', ['.']),
  destructive('docker compose down -v', 'compose_down', 'HIGH'),
  destructive('docker-compose down --volumes', 'compose_down', 'HIGH'),
  destructive('docker compose -p media down', 'compose_down', 'MEDIUM', ['media']),
  destructive('docker compose --project-directory /srv/app down', 'compose_down', 'MEDIUM', ['/srv/app']),
  destructive('cd /opt/stack && docker compose down', 'compose_down', 'MEDIUM', ['/opt/stack']),
  destructive('docker compose stop', 'container_bulk', 'MEDIUM'),
  destructive('docker compose rm -fsv', 'volume_removal'),
  destructive('docker rmi $(docker images -q)', 'image_removal', 'MEDIUM'),
  destructive('docker stack rm monitoring', 'container_bulk', 'MEDIUM', ['monitoring']),
]);

table('file systems', [
  benign('rm -f /tmp/x'),
  benign('rm -rf /tmp/build'),
  benign('rm -rf /var/tmp/cache'),
  benign('rm -rf /tmp/*'),
  benign('rm -rf /dev/shm/x'),
  benign('rm file.txt'),
  benign('rm -f ./old.log'),
  benign('rm -f /var/log/syslog.1'),
  benign('unlink /tmp/sock'),
  benign('touch /etc/motd'),
  benign('cat /etc/fstab'),
  benign('ls -la /'),
  benign('df -h'),
  benign('du -sh /var/lib/docker'),
  benign('tar czf /tmp/etc.tgz /etc'),
  benign('find / -name "*.conf"'),
  benign("find /tmp -name '*.tmp' -delete"),
  benign("find /var/log -name '*.gz' -mtime +30 -delete"),
  benign('find /tmp -mtime +7 -exec rm -f {} \\;'),
  benign('find /var/log -type f -exec truncate -s 0 {} +', 'filesystem_delete'),
  benign('mv /tmp/a /tmp/b'),
  benign('mv notes.txt archive/'),
  benign('rsync -av /etc/ /backup/etc/'),
  benign('rsync -av --delete ./site/ web:/srv/www/site/', 'filesystem_delete'),
  benign('truncate -s 0 /var/log/nginx/access.log', 'filesystem_delete'),
  benign('truncate -s +1G disk.img'),
  benign('shred -u /tmp/secret'),
  benign('echo hi > /tmp/x'),
  benign('echo hi > out.txt'),
  benign('ls 2>/dev/null'),
  benign('make > /dev/null 2>&1'),
  benign('make >& build.log'),
  benign('echo "nameserver 1.1.1.1" >> /etc/resolv.conf'),
  benign('echo x >> "$LOG"'),
  benign('echo 1 > /proc/sys/net/ipv4/ip_forward'),
  benign('echo data | tee /tmp/out.txt'),
  benign('cp nginx.conf /etc/nginx/nginx.conf'),
  benign('cat /dev/sda > /tmp/backup.img'),
  benign('dd if=/dev/sda of=/tmp/backup.img bs=1M'),
  benign('dd if=/dev/urandom bs=16 count=1 | base64'),
  destructive('rm /etc/fstab', 'filesystem_delete', 'HIGH', ['/etc/fstab']),
  destructive('rm -rf /', 'filesystem_delete', 'CRITICAL', ['/']),
  destructive('rm -rf --no-preserve-root /', 'filesystem_delete', 'CRITICAL'),
  destructive('rm -fr /usr/lib', 'filesystem_delete', 'CRITICAL', ['/usr/lib']),
  destructive('rm -R /opt', 'filesystem_delete', 'CRITICAL', ['/opt']),
  destructive('rm --recursive /srv/media', 'filesystem_delete', 'HIGH', ['/srv/media']),
  destructive('rm -rf build', 'filesystem_delete', 'MEDIUM', ['build']),
  destructive('rm -rf ../..', 'filesystem_delete', 'HIGH'),
  destructive('rm -rf /tmp', 'filesystem_delete', 'MEDIUM', ['/tmp']),
  destructive('rm -rf /var/log', 'filesystem_delete', 'HIGH', ['/var/log']),
  destructive('rm -rf ~/projects/app', 'filesystem_delete', 'MEDIUM', ['~/projects/app']),
  destructive('rm -rf /home/alice', 'filesystem_delete', 'CRITICAL', ['/home/alice']),
  destructive('rm -rf /etc/*', 'filesystem_delete', 'CRITICAL'),
  destructive('rm -rf /*', 'filesystem_delete', 'CRITICAL'),
  destructive('rm -rf /etc/', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('rm -rf //etc', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('rm -rf "/tmp/../etc"', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('rm -rf /tmp/{a,../../etc}', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('sudo rm -rf /{bin,boot}', 'filesystem_delete', 'CRITICAL', ['/bin', '/boot']),
  destructive('rm -rf /var/lib/docker/volumes/pg', 'filesystem_delete', 'HIGH'),
  destructive('rm -rf "$HOME"', 'filesystem_delete', 'CRITICAL', ['~']),
  destructive('rm -rf ${HOME}/.config', 'filesystem_delete', 'MEDIUM', ['~/.config']),
  destructive('rm *', 'filesystem_delete', 'MEDIUM'),
  destructive('rm -f "$FILE"', 'filesystem_delete', 'MEDIUM'),
  destructive('rm ~/.ssh/authorized_keys', 'account_change', 'HIGH'),
  destructive('rm -f /etc/shadow', 'account_change', 'CRITICAL'),
  destructive('shred -u /etc/ssh/ssh_host_rsa_key', 'filesystem_delete', 'HIGH'),
  destructive('shred -u secrets.txt', 'filesystem_delete', 'MEDIUM'),
  destructive('shred -n 3 /dev/sda', 'disk_wipe', 'CRITICAL'),
  destructive('truncate -s 0 /etc/passwd', 'account_change', 'CRITICAL'),
  destructive('truncate -s 0 /boot/grub/grub.cfg', 'filesystem_delete', 'HIGH'),
  destructive('mv /etc /dev/null', 'filesystem_delete', 'CRITICAL'),
  destructive('mv app.log /dev/null', 'filesystem_delete', 'HIGH'),
  destructive('mv /usr /usr.bak', 'filesystem_delete', 'CRITICAL', ['/usr']),
  destructive('mv /etc/passwd /tmp/', 'account_change'),
  destructive('rsync -a --delete /src/ /etc/', 'filesystem_delete', 'CRITICAL', ['/etc']),
  destructive('rsync -a --delete backup/ /', 'filesystem_delete', 'CRITICAL'),
  destructive('rsync -a --delete-after src/ root@nas:/etc/', 'filesystem_delete', 'CRITICAL'),
  destructive('find / -delete', 'filesystem_delete', 'CRITICAL'),
  destructive('find . -delete', 'filesystem_delete', 'MEDIUM'),
  destructive("find /etc -name '*.conf' -delete", 'filesystem_delete', 'HIGH'),
  destructive('find /home -exec sh -c \'rm -rf "$1"\' _ {} \\;', 'filesystem_delete', 'HIGH'),
  destructive('echo x > /etc/hosts', 'filesystem_delete', 'HIGH'),
  destructive('echo x >| /etc/hosts', 'filesystem_delete', 'HIGH'),
  destructive('echo x > "$FILE"', 'filesystem_delete', 'MEDIUM'),
  destructive('echo x | sudo tee /etc/fstab', 'filesystem_delete', 'HIGH', ['/etc/fstab']),
  destructive('cp /dev/null /etc/fstab', 'filesystem_delete', 'HIGH'),
]);

table('disks', [
  benign('lsblk'),
  benign('ls /dev/sda'),
  benign('smartctl -a /dev/sda'),
  benign('cat /proc/mdstat'),
  benign('fdisk -l'),
  benign('sudo fdisk -l /dev/sda'),
  benign('sfdisk -d /dev/sda'),
  benign('parted -l'),
  benign('parted /dev/sda print'),
  benign('sgdisk -p /dev/sda'),
  benign('wipefs /dev/sdb'),
  benign('hdparm -I /dev/sda'),
  benign('cryptsetup status root'),
  benign('mke2fs -n /dev/sdb1'),
  destructive('mkfs.ext4 /dev/sdb1', 'disk_wipe', 'CRITICAL', ['/dev/sdb1']),
  destructive('mkfs -t xfs /dev/sdc', 'disk_wipe', 'CRITICAL', ['/dev/sdc']),
  destructive('mkfs.btrfs -f /dev/vdb', 'disk_wipe', 'CRITICAL'),
  destructive('mkswap /dev/sdb2', 'disk_wipe'),
  destructive('mke2fs -t ext4 /dev/sdb1', 'disk_wipe'),
  destructive('dd if=/dev/zero of=/dev/sda bs=1M', 'disk_wipe', 'CRITICAL', ['/dev/sda']),
  destructive('dd if=ubuntu.img of=/dev/disk/by-id/usb-Kingston status=progress', 'disk_wipe'),
  destructive('dd if=/dev/zero of=/etc/fstab', 'filesystem_delete', 'HIGH'),
  destructive('cat /dev/zero > /dev/sda', 'disk_wipe', 'CRITICAL'),
  destructive('cat image.iso > /dev/sdb1', 'disk_wipe'),
  destructive('echo x >/dev/nvme0n1p1', 'disk_wipe'),
  destructive('cat x > /dev/mmcblk0', 'disk_wipe'),
  destructive('cat x > /dev/md0', 'disk_wipe'),
  destructive('cat x > /dev/vda', 'disk_wipe'),
  destructive('exec 3> /dev/sda', 'disk_wipe'),
  destructive('cp disk.img /dev/sdb', 'disk_wipe'),
  destructive('fdisk /dev/sda', 'disk_wipe'),
  destructive('echo -e "o\\nw" | fdisk /dev/sdb', 'disk_wipe'),
  destructive('sfdisk /dev/sdb < layout', 'disk_wipe'),
  destructive('parted -s /dev/sdb mklabel gpt', 'disk_wipe'),
  destructive('sgdisk --zap-all /dev/sdb', 'disk_wipe', 'CRITICAL', ['/dev/sdb']),
  destructive('wipefs -a /dev/sdb', 'disk_wipe', 'CRITICAL', ['/dev/sdb']),
  destructive('blkdiscard /dev/nvme0n1', 'disk_wipe', 'CRITICAL', ['/dev/nvme0n1']),
  destructive('hdparm --user-master u --security-erase p /dev/sdb', 'disk_wipe'),
  destructive('nvme format /dev/nvme0n1', 'disk_wipe'),
  destructive('cryptsetup luksFormat /dev/sdb', 'disk_wipe'),
  destructive('lvremove -f vg0/data', 'disk_wipe', 'HIGH'),
  destructive('mdadm --zero-superblock /dev/sdb1', 'disk_wipe'),
  destructive('badblocks -wsv /dev/sdb', 'disk_wipe'),
]);

table('ZFS', [
  benign('zpool status'),
  benign('zpool list'),
  benign('zpool iostat -v 5'),
  benign('zpool scrub tank'),
  benign('zfs list -t snapshot'),
  benign('zfs get compression tank'),
  benign('zfs snapshot tank/data@before'),
  benign('zfs destroy -n -r tank/data'),
  destructive('zpool destroy tank', 'zfs_destroy', 'CRITICAL', ['tank']),
  destructive('zpool destroy -f tank', 'zfs_destroy', 'CRITICAL', ['tank']),
  destructive('zpool labelclear -f /dev/sdb1', 'zfs_destroy', 'CRITICAL'),
  destructive('zpool offline tank sdb', 'zfs_destroy', 'MEDIUM', ['tank', 'sdb']),
  destructive('zpool detach tank sdb', 'zfs_destroy', 'HIGH'),
  destructive('zpool remove tank sdc', 'zfs_destroy', 'HIGH'),
  destructive('zpool export tank', 'zfs_destroy', 'MEDIUM', ['tank']),
  destructive('zpool create tank mirror /dev/sdb /dev/sdc', 'zfs_destroy', 'HIGH'),
  destructive('zfs destroy tank/data', 'zfs_destroy', 'HIGH', ['tank/data']),
  destructive('zfs destroy -r tank', 'zfs_destroy', 'CRITICAL', ['tank']),
  destructive('zfs destroy tank/data@before', 'zfs_destroy', 'MEDIUM'),
  destructive('zfs rollback -r tank/data@before', 'zfs_destroy', 'HIGH', ['tank/data@before']),
  destructive('zfs recv -F tank/data < snap', 'zfs_destroy', 'HIGH'),
  benign('zfs recv -s tank/data < snap'),
  benign('zfs set compression=zstd atime=off tank/data'),
  benign("zfs set 'com.sun:auto-snapshot=false' tank/data"),
  destructive('zfs set readonly=on tank/data', 'zfs_property', 'MEDIUM', ['tank/data']),
  destructive("zfs set compression=lz4 'mountpoint=/srv/x' tank/data", 'zfs_property', 'MEDIUM', ['tank/data']),
  destructive('zfs set -u sharenfs=on tank/a tank/b', 'zfs_property', 'MEDIUM', ['tank/a', 'tank/b']),
  // The property is only known at run time: it may be any of the risky ones.
  destructive('zfs set "$SETTING" tank/data', 'zfs_property', 'MEDIUM', ['tank/data']),
]);

table('power', [
  benign('uptime'),
  benign('journalctl --list-boots'),
  benign('shutdown -c'),
  benign('init q'),
  destructive('reboot', 'power', 'HIGH'),
  destructive('reboot -f', 'power', 'CRITICAL'),
  destructive('shutdown -h now', 'power', 'CRITICAL'),
  destructive('shutdown -r now', 'power', 'HIGH'),
  destructive('shutdown -r +5', 'power', 'HIGH'),
  destructive('poweroff', 'power', 'CRITICAL'),
  destructive('halt', 'power', 'CRITICAL'),
  destructive('init 0', 'power', 'CRITICAL'),
  destructive('init 6', 'power', 'HIGH'),
  destructive('telinit 1', 'power', 'CRITICAL'),
  destructive('systemctl reboot', 'power', 'HIGH'),
  destructive('systemctl poweroff', 'power', 'CRITICAL'),
  destructive('systemctl halt', 'power', 'CRITICAL'),
  destructive('systemctl kexec', 'power', 'HIGH'),
  destructive('systemctl rescue', 'power', 'CRITICAL'),
  destructive('systemctl emergency', 'power', 'CRITICAL'),
  destructive('systemctl isolate rescue.target', 'power', 'CRITICAL'),
  destructive('systemctl start reboot.target', 'power', 'HIGH'),
  destructive('systemctl suspend', 'power', 'HIGH'),
  destructive('echo b > /proc/sysrq-trigger', 'power', 'CRITICAL'),
  destructive('echo o | sudo tee /proc/sysrq-trigger', 'power', 'CRITICAL'),
  destructive('kexec -e', 'power'),
  destructive('ipmitool -H bmc -U admin chassis power off', 'power', 'CRITICAL'),
]);

table('services', [
  benign('systemctl status docker'),
  benign('systemctl reload sshd'),
  benign('systemctl start docker'),
  benign('systemctl daemon-reload'),
  benign('systemctl list-units --failed'),
  benign('systemctl enable --now nginx'),
  benign('systemctl is-active docker'),
  benign('journalctl -u ssh'),
  benign('systemctl restart nginx', 'service_stop', ['nginx']),
  benign('service nginx restart', 'service_stop', ['nginx']),
  benign('systemctl stop postgresql grafana-server', 'service_stop'),
  benign('systemctl status grafana'),
  benign('systemctl restart grafana', 'service_stop', ['grafana']),
  benign('sv down nginx', 'service_stop', ['nginx']),
  benign('systemctl enable nginx'),
  benign('systemctl unmask nginx'),
  benign('update-rc.d nginx defaults'),
  benign('update-rc.d nginx enable'),
  benign('rc-update add nginx default'),
  benign('chkconfig nginx on'),
  benign('chkconfig --list'),
  destructive('systemctl stop docker', 'service_stop', 'HIGH', ['docker']),
  destructive('systemctl stop sshd', 'service_stop', 'CRITICAL', ['sshd']),
  destructive('systemctl stop ssh.service', 'service_stop', 'CRITICAL', ['ssh']),
  destructive('systemctl disable --now ssh', 'service_stop', 'CRITICAL'),
  destructive('systemctl disable docker', 'service_stop', 'MEDIUM'),
  // Masking is stronger than disabling: the unit cannot be started at all, so it ranks one level higher.
  destructive('systemctl mask containerd', 'service_stop', 'HIGH'),
  // Disabling or masking any service keeps it down from the next boot on.
  destructive('systemctl disable nginx', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('systemctl disable --now nginx', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('sudo systemctl --now disable grafana-server.service', 'service_stop', 'MEDIUM', ['grafana-server']),
  destructive('systemctl mask nginx', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('systemctl mask --now nginx', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('systemctl mask sshd', 'service_stop', 'CRITICAL', ['sshd']),
  destructive('systemctl disable sshd', 'service_stop', 'HIGH', ['sshd']),
  destructive('ssh nas "sudo systemctl disable --now grafana"', 'service_stop', 'MEDIUM', ['grafana']),
  destructive('update-rc.d nginx disable', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('update-rc.d -f nginx remove', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('rc-update del nginx default', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('chkconfig nginx off', 'service_stop', 'MEDIUM', ['nginx']),
  destructive('chkconfig --level 35 httpd off', 'service_stop', 'MEDIUM', ['httpd']),
  destructive('chkconfig --del sshd', 'service_stop', 'HIGH', ['sshd']),
  // runit: a service is disabled by removing its link from the service directory.
  destructive('rm /etc/service/nginx', 'filesystem_delete', 'HIGH', ['/etc/service/nginx']),
  destructive('systemctl kill -s KILL docker', 'service_stop', 'HIGH'),
  destructive('systemctl restart docker', 'service_stop', 'MEDIUM'),
  destructive('systemctl restart sshd', 'service_stop', 'MEDIUM'),
  destructive('systemctl restart networking', 'service_stop', 'MEDIUM'),
  destructive('systemctl stop wg-quick@wg0', 'service_stop', 'CRITICAL', ['wg-quick@wg0']),
  destructive('systemctl stop tailscaled', 'service_stop', 'CRITICAL'),
  destructive('systemctl stop NetworkManager', 'service_stop', 'CRITICAL'),
  destructive('systemctl stop systemd-networkd', 'service_stop', 'CRITICAL'),
  destructive('systemctl stop systemd-resolved', 'service_stop', 'CRITICAL'),
  destructive('systemctl stop zfs-zed', 'service_stop', 'HIGH'),
  destructive('systemctl stop pvedaemon pveproxy', 'service_stop', 'HIGH', ['pvedaemon', 'pveproxy']),
  destructive('systemctl stop libvirtd', 'service_stop', 'HIGH'),
  destructive("systemctl stop 'docker*'", 'service_stop', 'HIGH'),
  destructive('systemctl stop "$SVC"', 'service_stop', 'HIGH'),
  destructive('systemctl --no-block stop docker.socket docker.service', 'service_stop', 'HIGH'),
  destructive('systemctl isolate multi-user.target', 'service_stop', 'MEDIUM'),
  destructive('service ssh stop', 'service_stop', 'CRITICAL', ['ssh']),
  destructive('service docker stop', 'service_stop', 'HIGH'),
  destructive('service networking restart', 'service_stop', 'MEDIUM'),
  destructive('/etc/init.d/ssh stop', 'service_stop', 'CRITICAL'),
  destructive('/etc/init.d/networking stop', 'service_stop', 'CRITICAL'),
  destructive('rc-service sshd stop', 'service_stop', 'CRITICAL', ['sshd']),
  destructive('rc-update del sshd default', 'service_stop', 'HIGH'),
  destructive('sv down sshd', 'service_stop', 'CRITICAL'),
]);

table('network', [
  benign('ip link show'),
  benign('ip a'),
  benign('ip route'),
  benign('ip -br addr show'),
  benign('iptables -L'),
  benign('iptables -L -n -v'),
  benign('iptables -S'),
  benign('nft list ruleset'),
  benign('nmcli con show'),
  benign('ifconfig'),
  benign('ping -c 3 1.1.1.1'),
  benign('ss -tlnp'),
  benign('wg show'),
  benign('tailscale status'),
  benign('ufw status verbose'),
  benign('ufw allow 22/tcp'),
  benign('netplan try'),
  benign('iptables -A INPUT -s 203.0.113.9 -j DROP', 'network_cut'),
  benign('ufw deny from 203.0.113.9', 'network_cut'),
  destructive('ip link set eth0 down', 'network_cut', 'HIGH', ['eth0']),
  destructive('ip l s dev eth0 down', 'network_cut', 'HIGH', ['eth0']),
  destructive('ip link delete br0', 'network_cut', 'HIGH', ['br0']),
  destructive('ip addr flush dev eth0', 'network_cut', 'HIGH', ['eth0']),
  destructive('ip route del default', 'network_cut', 'CRITICAL', ['default']),
  destructive('ip -4 route delete default via 192.168.1.1', 'network_cut', 'CRITICAL'),
  destructive('ifdown eth0', 'network_cut', 'HIGH', ['eth0']),
  destructive('ifdown -a', 'network_cut', 'HIGH', ['*']),
  destructive('ifconfig eth0 down', 'network_cut', 'HIGH', ['eth0']),
  destructive('nmcli con down "Wired connection 1"', 'network_cut', 'HIGH', ['Wired connection 1']),
  destructive('nmcli networking off', 'network_cut', 'CRITICAL'),
  destructive('nmcli device disconnect eth0', 'network_cut', 'HIGH', ['eth0']),
  destructive('nmcli radio wifi off', 'network_cut', 'HIGH'),
  destructive('iptables -F', 'network_cut', 'HIGH'),
  destructive('iptables --flush', 'network_cut', 'HIGH'),
  destructive('iptables -t nat -F', 'network_cut', 'HIGH'),
  destructive('iptables -P INPUT DROP', 'network_cut', 'CRITICAL', ['INPUT']),
  destructive('ip6tables -P OUTPUT DROP', 'network_cut', 'CRITICAL'),
  destructive('iptables -P FORWARD DROP', 'network_cut', 'MEDIUM'),
  destructive('iptables -A INPUT -j DROP', 'network_cut', 'CRITICAL'),
  destructive('iptables -I INPUT -p tcp --dport 22 -j DROP', 'network_cut', 'CRITICAL'),
  destructive('iptables-restore < /etc/iptables/rules.v4', 'network_cut', 'MEDIUM'),
  destructive('nft flush ruleset', 'network_cut', 'HIGH'),
  destructive("nft 'flush ruleset'", 'network_cut', 'HIGH'),
  destructive('nft delete table inet filter', 'network_cut', 'MEDIUM'),
  destructive('nft -f /etc/nftables.conf', 'network_cut', 'MEDIUM'),
  destructive('ufw enable', 'network_cut', 'HIGH'),
  destructive('ufw --force reset', 'network_cut', 'HIGH'),
  destructive('ufw default deny incoming', 'network_cut', 'HIGH'),
  destructive('ufw deny 22/tcp', 'network_cut', 'CRITICAL'),
  destructive('ufw delete allow 22', 'network_cut', 'MEDIUM'),
  destructive('wg-quick down wg0', 'network_cut', 'HIGH', ['wg0']),
  destructive('tailscale down', 'network_cut', 'HIGH'),
  destructive('tailscale logout', 'network_cut', 'HIGH'),
  destructive('route del default', 'network_cut', 'CRITICAL'),
  destructive('netplan apply', 'network_cut', 'MEDIUM'),
  destructive('firewall-cmd --panic-on', 'network_cut', 'CRITICAL'),
  destructive('firewall-cmd --permanent --remove-service=ssh', 'network_cut', 'CRITICAL'),
]);

table('packages', [
  benign('apt list --upgradable'),
  benign('apt update'),
  benign('apt-get install -y htop'),
  benign('apt-get -s remove nginx'),
  benign('apt remove --dry-run nginx'),
  benign('dpkg -l'),
  benign('apk add curl'),
  benign('pacman -Syu'),
  benign('pacman -Qs docker'),
  destructive('apt remove nginx', 'package_removal', 'MEDIUM', ['nginx']),
  destructive('apt-get purge -y openssh-server', 'package_removal', 'HIGH', ['openssh-server']),
  destructive('apt autoremove -y', 'package_removal', 'MEDIUM', ['*']),
  destructive('apt-get -y autopurge', 'package_removal', 'MEDIUM'),
  destructive('apt remove "docker*"', 'package_removal', 'HIGH'),
  destructive('apt-get remove --purge linux-image-5.15.0-1-generic', 'package_removal', 'HIGH'),
  destructive('dpkg -r nginx', 'package_removal', 'MEDIUM', ['nginx']),
  destructive('dpkg --purge zfsutils-linux', 'package_removal', 'HIGH'),
  destructive('dnf remove -y podman', 'package_removal', 'HIGH'),
  destructive('yum erase httpd', 'package_removal', 'MEDIUM'),
  destructive('rpm -e nginx', 'package_removal', 'MEDIUM'),
  destructive('pacman -Rns docker', 'package_removal', 'HIGH', ['docker']),
  destructive('pacman -R vim', 'package_removal', 'MEDIUM'),
  destructive('apk del openssh', 'package_removal', 'HIGH'),
  destructive('snap remove lxd', 'package_removal', 'MEDIUM'),
  destructive('zypper rm nginx', 'package_removal', 'MEDIUM'),
  destructive('echo nginx | xargs apt-get remove -y', 'package_removal', 'HIGH'),
]);

table('processes', [
  benign('pgrep sshd'),
  benign('ps aux | grep docker'),
  benign('kill -l'),
  benign('kill 12345', 'process_kill', ['12345']),
  benign('kill -9 4242', 'process_kill'),
  benign('kill -HUP 880', 'process_kill'),
  benign('pgrep nginx'),
  benign('pidof nginx'),
  // Killing by name or pattern hits every match, not one process: held.
  destructive('pkill nginx', 'process_kill', 'MEDIUM', ['nginx']),
  destructive('pkill -f my-script.py', 'process_kill', 'MEDIUM', ['my-script.py']),
  destructive('sudo pkill -9 -f "python3 worker.py"', 'process_kill', 'MEDIUM', ['python3 worker.py']),
  destructive('killall firefox', 'process_kill', 'MEDIUM', ['firefox']),
  destructive('killall -r "^fire"', 'process_kill', 'MEDIUM', ['^fire']),
  destructive('pgrep -f backup | xargs kill', 'process_kill', 'MEDIUM', ['*']),
  destructive('kill $(pgrep nginx)', 'process_kill', 'MEDIUM', ['$(pgrep nginx)']),
  destructive('kill -9 $(pidof nginx)', 'process_kill', 'MEDIUM', ['$(pidof nginx)']),
  destructive('kill -9 1', 'process_kill', 'CRITICAL', ['1']),
  destructive('kill 1', 'process_kill', 'CRITICAL'),
  destructive('kill -9 -1', 'process_kill', 'CRITICAL'),
  destructive('kill -s KILL -1', 'process_kill', 'CRITICAL'),
  destructive('kill -- -1', 'process_kill', 'CRITICAL'),
  destructive('killall sshd', 'process_kill', 'CRITICAL'),
  destructive('killall -9 dockerd', 'process_kill', 'HIGH'),
  destructive('pkill -9 sshd', 'process_kill', 'CRITICAL'),
  destructive('pkill docker', 'process_kill', 'HIGH'),
  destructive('pkill -u root', 'process_kill', 'CRITICAL'),
  destructive('pkill -v bash', 'process_kill', 'CRITICAL'),
  destructive('kill $(pidof sshd)', 'process_kill', 'MEDIUM'),
  destructive('pgrep sshd | xargs kill -9', 'process_kill', 'MEDIUM'),
  destructive('killall5 -9', 'process_kill', 'CRITICAL'),
]);

table('permissions', [
  benign('chmod +x deploy.sh'),
  benign('chown -R www-data:www-data /var/www/html'),
  benign('chmod -R g+w /srv/share/docs'),
  benign('chmod 600 ~/.ssh/authorized_keys'),
  benign('chown -R alice:alice /home/alice'),
  benign('chmod -R 777 /tmp/build'),
  destructive('chmod -R 777 /', 'permission_change', 'CRITICAL', ['/']),
  destructive('chown -R user /etc', 'permission_change', 'CRITICAL', ['/etc']),
  destructive('chmod -R 755 /usr/local/bin', 'permission_change', 'HIGH'),
  destructive('chgrp -R staff /var/lib/mysql', 'permission_change', 'CRITICAL'),
  destructive('chmod 000 /', 'permission_change', 'HIGH'),
  destructive('chmod 777 /etc/shadow', 'permission_change', 'MEDIUM'),
  destructive('chmod -R 700 ~', 'permission_change', 'MEDIUM'),
  destructive('chown -R 1000:1000 "$DIR"', 'permission_change', 'MEDIUM'),
  // Adding permissions, modes that keep what a place needs, and anything outside the system tree pass.
  benign('chmod +x ./deploy.sh'),
  benign('chmod 644 /tmp/x'),
  benign('chmod +x /tmp/script.sh'),
  benign('chown me /home/me/file'),
  benign('ls -l /usr/bin/sudo'),
  benign('getfacl /etc'),
  benign('chmod 755 /usr/local/bin/tool'),
  benign('chmod 0755 /usr/bin/ssh'),
  benign('chmod u=rwx,go=rx /usr/local/bin/tool'),
  benign('chmod 4755 /usr/bin/sudo'),
  benign('chmod 644 /etc/nginx/nginx.conf'),
  benign('chmod go-w /etc/nginx/nginx.conf'),
  benign('chmod 700 ~/.ssh'),
  benign('chmod go-rwx ~/.ssh'),
  benign('chmod 600 /etc/ssh/ssh_host_ed25519_key'),
  benign('chmod 600 /etc/wireguard/wg0.conf'),
  benign('chmod 700 /var/lib/mysql'),
  benign('chmod 700 /root'),
  benign('chmod -R -x /opt/app/scripts'),
  benign('setfacl -m u:alice:rx /etc/nginx'),
  benign('setfacl -b /srv/share/docs'),
  // Taking away what a system path or an SSH directory needs: a mode that drops bits, another owner, ACL entries.
  destructive('chmod 000 /usr/bin/sudo', 'permission_change', 'MEDIUM', ['/usr/bin/sudo']),
  destructive('sudo chmod 600 /usr/bin/ssh', 'permission_change', 'MEDIUM', ['/usr/bin/ssh']),
  destructive('chmod -x /bin/*', 'permission_change', 'HIGH', ['/bin/*']),
  destructive('chmod -v o-rx /usr/sbin/*', 'permission_change', 'HIGH', ['/usr/sbin/*']),
  destructive('chmod a-r /etc/shadow', 'permission_change', 'MEDIUM', ['/etc/shadow']),
  // sudo, su, passwd... work only with their setuid bit, which a numeric mode without it clears.
  destructive('chmod 755 /usr/bin/sudo', 'permission_change', 'MEDIUM', ['/usr/bin/sudo']),
  destructive('chmod u-s /usr/bin/sudo', 'permission_change', 'MEDIUM'),
  destructive('chmod 755 /usr/bin/*', 'permission_change', 'HIGH'),
  destructive('chmod 700 /etc', 'permission_change', 'HIGH', ['/etc']),
  destructive('chmod 600 /etc/resolv.conf', 'permission_change', 'MEDIUM', ['/etc/resolv.conf']),
  destructive('chmod 000 /boot/vmlinuz-6.1.0-18-amd64', 'permission_change', 'MEDIUM'),
  destructive('chmod 600 /lib/x86_64-linux-gnu/libc.so.6', 'permission_change', 'MEDIUM'),
  destructive('chmod 000 /var/lib/mysql', 'permission_change', 'HIGH', ['/var/lib/mysql']),
  destructive('chmod 000 ~/.ssh', 'permission_change', 'HIGH', ['~/.ssh']),
  destructive('chmod 600 /root/.ssh', 'permission_change', 'HIGH', ['/root/.ssh']),
  destructive('chmod 000 /home/alice/.ssh/authorized_keys', 'permission_change', 'HIGH'),
  destructive('chmod "$MODE" /usr/bin/ssh', 'permission_change', 'MEDIUM'),
  destructive('cd /usr/bin && chmod 600 ssh', 'permission_change', 'MEDIUM', ['/usr/bin/ssh']),
  destructive('chown -R nobody /etc', 'permission_change', 'CRITICAL', ['/etc']),
  destructive('chown user /usr/bin/sudo', 'permission_change', 'MEDIUM', ['/usr/bin/sudo']),
  destructive('chgrp users /etc/fstab', 'permission_change', 'MEDIUM', ['/etc/fstab']),
  destructive('chown alice ~/.ssh/authorized_keys', 'permission_change', 'HIGH', ['~/.ssh/authorized_keys']),
  destructive('setfacl -b /etc/sudoers.d', 'permission_change', 'MEDIUM', ['/etc/sudoers.d']),
  destructive('setfacl -x u:bob /usr/bin/sudo', 'permission_change', 'MEDIUM', ['/usr/bin/sudo']),
  destructive('setfacl -R -b /etc', 'permission_change', 'CRITICAL', ['/etc']),
]);

table('accounts and logins', [
  benign('passwd alice'),
  benign('id alice'),
  benign('useradd -m carol'),
  benign('usermod -aG docker alice'),
  benign('crontab -l'),
  benign("sed -i 's/a/b/' config.yml"),
  benign('echo "ssh-ed25519 AAAA key" >> ~/.ssh/authorized_keys', 'account_change'),
  destructive('passwd -d root', 'account_change', 'CRITICAL', ['root']),
  destructive('passwd -l alice', 'account_change', 'MEDIUM'),
  destructive('userdel -r bob', 'account_change', 'HIGH', ['bob']),
  destructive('deluser root', 'account_change', 'CRITICAL'),
  destructive('usermod -L root', 'account_change', 'HIGH'),
  destructive('usermod -s /usr/sbin/nologin alice', 'account_change', 'MEDIUM'),
  destructive('usermod -G docker alice', 'account_change', 'MEDIUM'),
  destructive('groupdel docker', 'account_change', 'MEDIUM'),
  destructive('echo "root:x" | chpasswd', 'account_change', 'MEDIUM'),
  destructive('crontab -r', 'crontab_removal', 'MEDIUM'),
  destructive('crontab -u root -r', 'crontab_removal', 'MEDIUM', ['root']),
  destructive("sed -i '/alice/d' ~/.ssh/authorized_keys", 'account_change', 'MEDIUM'),
  destructive('echo "ssh-ed25519 AAAA key" > ~/.ssh/authorized_keys', 'account_change', 'HIGH'),
  destructive('cp my_keys /root/.ssh/authorized_keys', 'account_change', 'HIGH'),
  destructive('echo "eve::0:0::/root:/bin/bash" >> /etc/passwd', 'account_change', 'HIGH'),
  destructive('cat shadow.bak > /etc/shadow', 'account_change', 'CRITICAL'),
  destructive('sudo tee /etc/sudoers.d/eve <<< "eve ALL=(ALL) NOPASSWD:ALL"', 'account_change', 'CRITICAL'),
]);

table('virtual machines', [
  benign('qm list'),
  benign('pct list'),
  benign('qm status 101 --verbose'),
  benign('qm config 101'),
  benign('qm start 101'),
  benign('pct start 204'),
  benign('qm resume 101'),
  benign('pvesh get /cluster/resources --type vm --output-format json'),
  benign('pvesh get /nodes/pve1/qemu/101/status/current'),
  benign('pvesh create /nodes/pve1/lxc/204/status/start'),
  benign('virsh list --all'),
  benign('virsh start web'),
  // Suspending keeps the guest's state: reported, not held.
  benign('qm suspend 101', 'vm_power', ['101']),
  benign('pvesh create /nodes/pve1/qemu/101/status/suspend', 'vm_power', ['101']),
  // A guest is a whole machine: stopping it takes every service in it down.
  destructive('qm stop 101', 'vm_power', 'MEDIUM', ['101']),
  destructive("sudo -n qm shutdown '101'", 'vm_power', 'MEDIUM', ['101']),
  destructive('qm reboot 101', 'vm_power', 'MEDIUM', ['101']),
  destructive('qm reset 101', 'vm_power', 'MEDIUM', ['101']),
  destructive('pct stop 204', 'vm_power', 'MEDIUM', ['204']),
  destructive('pct shutdown 204 --timeout 60 --forceStop 1', 'vm_power', 'MEDIUM', ['204']),
  destructive('pct reboot 204', 'vm_power', 'MEDIUM', ['204']),
  // PVE options take the next word as their value, booleans included, with one dash or two.
  destructive('qm stop --skiplock 1 101', 'vm_power', 'MEDIUM', ['101']),
  destructive('qm shutdown -timeout 30 101', 'vm_power', 'MEDIUM', ['101']),
  destructive('ssh pve1 "qm shutdown 101 && qm start 101"', 'vm_power', 'MEDIUM', ['101']),
  destructive('pvesh create /nodes/pve1/qemu/101/status/stop', 'vm_power', 'MEDIUM', ['101']),
  destructive('pvesh create /nodes/pve1/stopall', 'vm_power', 'HIGH', ['*']),
  destructive('qm destroy 101', 'vm_destroy', 'HIGH', ['101']),
  destructive('pct destroy 200', 'vm_destroy', 'HIGH'),
  destructive('qm destroy 101 --purge 0', 'vm_destroy', 'HIGH', ['101']),
  destructive('qm destroy 101 --purge', 'vm_destroy', 'CRITICAL', ['101']),
  destructive('pct destroy 204 --purge 1 --force 1', 'vm_destroy', 'CRITICAL', ['204']),
  destructive('pvesh delete /nodes/pve1/lxc/204', 'vm_destroy', 'HIGH', ['204']),
  destructive('qm rollback 101 before-upgrade', 'vm_destroy', 'HIGH', ['101']),
  destructive('pvesh create /nodes/pve1/qemu/101/snapshot/before-upgrade/rollback', 'vm_destroy', 'HIGH', ['101']),
  destructive('virsh undefine web --remove-all-storage', 'vm_destroy', 'HIGH'),
  destructive('virsh vol-delete disk.qcow2 --pool default', 'vm_destroy', 'HIGH'),
  // libvirt's destroy is a hard power-off, not a deletion: the same as qm stop.
  destructive('virsh destroy web', 'vm_power', 'MEDIUM', ['web']),
  destructive('virsh -c qemu:///system destroy --graceful web', 'vm_power', 'MEDIUM', ['web']),
  destructive('virsh shutdown web', 'vm_power', 'MEDIUM', ['web']),
  destructive('virsh reboot web', 'vm_power', 'MEDIUM', ['web']),
]);

describe('analysis details', () => {
  it('lists the argv of every simple command after unwrapping', () => {
    const analysis = analyseCommand("sudo -u root bash -c 'docker rm -f $(docker ps -aq)'");
    assert.deepEqual(analysis.simpleCommands, [
      ['docker', 'ps', '-aq'],
      ['docker', 'rm', '-f', '$(docker ps -aq)'],
    ]);
    assert.deepEqual(analyseCommand('echo ok && /usr/bin/sudo reboot').simpleCommands, [['echo', 'ok'], ['reboot']]);
  });

  it('reports the simple command as written and the wrappers it ran through', () => {
    const [finding] = analyseCommand('echo ok && sudo reboot').findings;
    assert.equal(finding?.command, 'sudo reboot');
    assert.deepEqual(finding?.via, ['sudo']);
    const [remote] = analyseCommand('ssh nas "sudo zpool destroy tank"').findings;
    assert.equal(remote?.command, 'sudo zpool destroy tank');
    assert.deepEqual(remote?.via, ['ssh nas', 'sudo']);
  });

  it('slices command text correctly after multi-byte characters', () => {
    const [finding] = analyseCommand('echo "héllo wörld" && rm -rf /etc').findings;
    assert.equal(finding?.command, 'rm -rf /etc');
  });

  it('names the action and its target in the reasons of held services, kills and permission changes', () => {
    const reasons = (command: string) => analyseCommand(command).findings.map((finding) => finding.reason);
    assert.deepEqual(reasons('systemctl mask nginx'), [
      'systemctl mask masks (not even startable by hand until unmasked) a service: nginx',
    ]);
    assert.deepEqual(reasons('systemctl disable --now nginx'), [
      'systemctl disable --now stops and disables (from next boot) a service: nginx',
    ]);
    assert.deepEqual(reasons('pkill -f my-script.py'), [
      'pkill kills every process whose command line matches my-script.py',
    ]);
    assert.deepEqual(reasons('killall firefox'), ['killall kills every process named firefox']);
    assert.deepEqual(reasons('chmod 600 /usr/bin/ssh'), [
      'chmod 600 changes permissions of /usr/bin/ssh (it needs r-xr-xr-x: programs must stay readable and runnable by every user)',
    ]);
    assert.deepEqual(reasons('chmod 755 /usr/bin/sudo'), [
      'chmod 755 changes permissions of /usr/bin/sudo (it needs r-sr-xr-x: sudo works only with its setuid bit)',
    ]);
    assert.deepEqual(reasons('chown user /usr/bin/sudo'), [
      'chown user changes ownership of /usr/bin/sudo (system files must stay owned by root or their service)',
    ]);
    assert.deepEqual(reasons('chown -R nobody /etc'), ['chown -R nobody changes ownership of /etc']);
  });

  it('reports a redirection with the statement carrying it', () => {
    const [finding] = analyseCommand('ls; echo b > /proc/sysrq-trigger').findings;
    assert.equal(finding?.command, 'echo b > /proc/sysrq-trigger');
  });

  it('takes the highest risk over all findings and keeps each finding', () => {
    const analysis = analyseCommand('docker stop nginx && systemctl restart docker && zpool destroy tank');
    assert.equal(analysis.risk, 'CRITICAL');
    assert.deepEqual(
      analysis.findings.map((finding) => finding.category),
      ['container_action', 'service_stop', 'zfs_destroy'],
    );
  });

  it('returns NONE and no findings for read-only commands', () => {
    assert.deepEqual(analyseCommand('docker ps -a'), {
      destructive: false,
      risk: 'NONE',
      findings: [],
      simpleCommands: [['docker', 'ps', '-a']],
    });
  });

  it('gives compose down the working directory as its project when known', () => {
    const [finding] = analyseCommand('cd ~/stacks/media && docker compose down').findings;
    assert.deepEqual(finding?.targets, ['~/stacks/media']);
  });

  it('stops following wrappers nested too deeply', () => {
    const analysis = analyseCommand(`${'eval '.repeat(12)}reboot`);
    assert.equal(analysis.destructive, true);
    assert.ok(analysis.findings.some((finding) => finding.category === 'unanalysable'));
  });

  it('produces plain data (it crosses a Temporal activity boundary)', () => {
    const analysis = analyseCommand("sudo bash -c 'rm -rf /var/lib/docker' && reboot");
    assert.deepEqual(JSON.parse(JSON.stringify(analysis)), analysis);
  });

  it('handles a large script', () => {
    const script = 'echo line\n'.repeat(1500) + 'reboot\n';
    const analysis = analyseCommand(script);
    assert.equal(analysis.simpleCommands.length, 1501);
    assert.equal(analysis.risk, 'HIGH');
  });
});

describe('input validation', () => {
  for (const empty of ['', '   ', '\n\t ']) {
    it(`rejects ${JSON.stringify(empty)}`, () => {
      assert.throws(
        () => analyseCommand(empty),
        (error: unknown) => error instanceof CommandRejectedError && error.reason === 'empty',
      );
    });
  }

  it('rejects commands over 16 KiB', () => {
    assert.throws(
      () => analyseCommand(`echo ${'a'.repeat(MAX_COMMAND_BYTES)}`),
      (error: unknown) => error instanceof CommandRejectedError && error.reason === 'too_long',
    );
    // Counted in UTF-8 bytes, not characters.
    assert.throws(() => analyseCommand(`echo ${'é'.repeat(MAX_COMMAND_BYTES / 2)}`), CommandRejectedError);
  });

  it('accepts a command of exactly 16 KiB', () => {
    const command = `echo ${'a'.repeat(MAX_COMMAND_BYTES - 5)}`;
    assert.equal(Buffer.byteLength(command), MAX_COMMAND_BYTES);
    assert.equal(analyseCommand(command).destructive, false);
  });

  it('rejects NUL bytes', () => {
    assert.throws(
      () => analyseCommand('echo a\0b'),
      (error: unknown) => error instanceof CommandRejectedError && error.reason === 'nul_byte',
    );
  });
});
