// Fetches and prepares what `npm run test:kernel` boots: Debian's qemu-system-arm (for
// qemu-system-aarch64), the arm64 kernel package and busybox-static:arm64, unpacked into the cache
// folder (never installed), and an initramfs built from them. Everything lands in CACHE and is
// reused by later runs. Any failure to obtain a package is a SkipError: the caller skips the test.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class SkipError extends Error {}

/** Runs a command with a deadline; returns stdout, throws with stderr's tail on failure. */
function run(cmd, args, { cwd, deadline, env } = {}) {
  const timeout = Math.max(1000, deadline - Date.now());
  try {
    return execFileSync(cmd, args, {
      cwd,
      timeout,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    }).toString();
  } catch (err) {
    const tail = String(err.stderr ?? err.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new Error(`${cmd} ${args.join(' ')}: ${err.signal === 'SIGTERM' ? 'timed out' : tail}`, { cause: err });
  }
}

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };

/**
 * Makes sure qemu-system-aarch64, dtc and the unpacked arm64 packages are there; returns paths.
 * `deadline` (ms since epoch) bounds every download and install.
 */
export function setup(cache, deadline, log) {
  mkdirSync(cache, { recursive: true });
  const debs = join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  let updated = false;
  const aptUpdate = () => {
    if (updated) return;
    log('apt-get update');
    run('apt-get', ['update', '-qq'], { deadline, env: aptEnv });
    updated = true;
  };
  try {
    const missing = [];
    if (!has('qemu-system-aarch64')) missing.push('qemu-system-arm');
    if (!has('dtc')) missing.push('device-tree-compiler');
    if (missing.length) {
      aptUpdate();
      log(`apt-get install ${missing.join(' ')}`);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { deadline, env: aptEnv });
    }
    const want = (prefix) => readdirSync(debs).find((f) => f.startsWith(prefix) && f.endsWith('_arm64.deb'));
    if (!want('linux-image-') || !want('busybox-static_')) {
      if (!run('dpkg', ['--print-foreign-architectures'], { deadline }).split('\n').includes('arm64')) {
        log('dpkg --add-architecture arm64');
        run('dpkg', ['--add-architecture', 'arm64'], { deadline });
        updated = false;
      }
      aptUpdate();
      // the metapackage names the current kernel ABI: linux-image-arm64 -> linux-image-6.1.0-N-arm64
      const depends = run('apt-cache', ['depends', 'linux-image-arm64:arm64'], { deadline });
      const image = /Depends: (linux-image-[0-9][^\s:]*-arm64)/.exec(depends)?.[1];
      if (!image) throw new Error('apt-cache names no linux-image package for linux-image-arm64:arm64');
      log(`apt-get download ${image}:arm64 busybox-static:arm64`);
      // apt's sandbox user cannot write into the cache: download into it as root (its warning is harmless)
      run('apt-get', ['download', `${image}:arm64`, 'busybox-static:arm64'], { cwd: debs, deadline, env: aptEnv });
    }
    return unpack(cache, debs, want('linux-image-'), want('busybox-static_'), deadline, log);
  } catch (err) {
    throw new SkipError(err.message);
  }
}

function unpack(cache, debs, imageDeb, busyboxDeb, deadline, log) {
  if (!imageDeb || !busyboxDeb) throw new Error('the downloaded packages are not in the cache');
  const root = join(cache, 'root');
  const stamp = join(root, 'unpacked');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== `${imageDeb}\n${busyboxDeb}\n`) {
    log(`unpacking ${imageDeb} and ${busyboxDeb}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    run('dpkg-deb', ['-x', join(debs, imageDeb), join(root, 'linux')], { deadline });
    run('dpkg-deb', ['-x', join(debs, busyboxDeb), join(root, 'busybox')], { deadline });
    writeFileSync(stamp, `${imageDeb}\n${busyboxDeb}\n`);
  }
  const boot = join(root, 'linux', 'boot');
  const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  const config = readdirSync(boot).find((f) => f.startsWith('config-'));
  if (!vmlinuz || !config) throw new Error(`${imageDeb} has no vmlinuz or config`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  return {
    release,
    imageDeb,
    kernel: join(boot, vmlinuz),
    config: readFileSync(join(boot, config), 'utf8'),
    modules: join(root, 'linux', 'lib', 'modules', release),
    busybox: join(root, 'busybox', 'bin', 'busybox'),
  };
}

/** `depends=` from a module's .modinfo section (what modinfo prints; no depmod needed). */
function moduleDepends(file) {
  const text = readFileSync(file).toString('latin1');
  const m = /\0depends=([^\0]*)\0/.exec(text);
  return m && m[1] ? m[1].split(',') : [];
}

/**
 * Module files (relative to the modules folder) for `names`, dependencies first, skipping
 * those built into the kernel (modules.builtin). Names use `_`; files may use `-`.
 */
export function moduleOrder(modulesDir, names) {
  const norm = (n) => n.replace(/-/g, '_');
  const byName = new Map();
  for (const rel of readFileSync(join(modulesDir, 'modules.order'), 'utf8').split('\n')) {
    if (rel) byName.set(norm(rel.split('/').pop().replace(/\.ko$/, '')), rel);
  }
  const builtin = new Set(
    readFileSync(join(modulesDir, 'modules.builtin'), 'utf8')
      .split('\n')
      .map((rel) => norm(rel.split('/').pop().replace(/\.ko$/, ''))),
  );
  const order = [];
  const seen = new Set();
  const visit = (name) => {
    name = norm(name);
    if (seen.has(name) || builtin.has(name)) return;
    seen.add(name);
    const rel = byName.get(name);
    if (!rel) throw new Error(`module ${name} is neither built in nor in modules.order`);
    for (const dep of moduleDepends(join(modulesDir, rel))) visit(dep);
    order.push(rel);
  };
  for (const n of names) visit(n);
  return order;
}

/** A cpio archive in the "newc" format the kernel unpacks: entries {name, mode, data?, target?}. */
export function cpio(entries) {
  const parts = [];
  let ino = 1;
  const pad4 = (n) => (4 - (n % 4)) % 4;
  const push = (name, mode, data) => {
    const nameBytes = Buffer.from(name + '\0');
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    parts.push(
      Buffer.from(header),
      nameBytes,
      Buffer.alloc(pad4(110 + nameBytes.length)),
      data,
      Buffer.alloc(pad4(data.length)),
    );
  };
  for (const e of entries) {
    if (e.target !== undefined) push(e.name, 0o120777, Buffer.from(e.target));
    else if (e.data === undefined) push(e.name, 0o040755, Buffer.alloc(0));
    else push(e.name, e.mode ?? 0o100644, e.data);
  }
  push('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Writes the initramfs (busybox, the modules in load order, /init) to `out` atomically. */
export function buildInitramfs(prepared, moduleNames, init, out) {
  const order = moduleOrder(prepared.modules, moduleNames);
  const entries = [
    { name: 'bin' },
    { name: 'sbin' },
    { name: 'usr' },
    { name: 'usr/bin' },
    { name: 'usr/sbin' },
    { name: 'proc' },
    { name: 'sys' },
    { name: 'dev' },
    { name: 'lib' },
    { name: 'lib/modules' },
  ];
  entries.push({ name: 'bin/busybox', mode: 0o100755, data: readFileSync(prepared.busybox) });
  entries.push({ name: 'bin/sh', target: 'busybox' });
  for (const rel of order)
    entries.push({ name: `lib/modules/${rel.split('/').pop()}`, data: readFileSync(join(prepared.modules, rel)) });
  entries.push({
    name: 'lib/modules/load-order',
    data: Buffer.from(order.map((rel) => rel.split('/').pop()).join('\n') + '\n'),
  });
  entries.push({ name: 'init', mode: 0o100755, data: Buffer.from(init) });
  writeFileSync(out + '.tmp', cpio(entries));
  renameSync(out + '.tmp', out);
  return order;
}
