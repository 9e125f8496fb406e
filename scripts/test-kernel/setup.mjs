// Fetches and prepares what `npm run test:kernel` boots: Debian's qemu-system-arm (for
// qemu-system-aarch64), qemu-efi-aarch64 (the UEFI firmware the ACPI variants boot through), the
// arm64 kernel packages (Debian 12's 6.1 and 6.12) and busybox-static:arm64, unpacked into the
// cache folder (never installed), and an initramfs built from them. Everything lands in CACHE and
// is reused by later runs. Failing to obtain QEMU, 6.1 or busybox is a SkipError (the caller skips
// the test); failing to obtain 6.12 or the firmware only drops those boots, with a note.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

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
 * The kernels test:kernel boots: Debian 12's metapackage for each, which names the current ABI
 * (linux-image-arm64 -> linux-image-6.1.0-N-arm64, linux-image-6.12-arm64 ->
 * linux-image-6.12.N+deb12-arm64). `required`: without it the whole test is skipped.
 */
export const KERNELS = [
  { name: '6.1', meta: 'linux-image-arm64', required: true },
  { name: '6.12', meta: 'linux-image-6.12-arm64', required: false },
];

/** Where Debian's qemu-efi-aarch64 puts the UEFI firmware for QEMU's virt machine. */
export const AAVMF = '/usr/share/AAVMF/AAVMF_CODE.fd';

/**
 * Makes sure qemu-system-aarch64, dtc, the firmware and the unpacked arm64 packages are there.
 * Returns {kernels: [prepared...], firmware: path or null, notes: [why something is missing]}.
 * `deadline` (ms since epoch) bounds every download and install.
 */
export function setup(cache, deadline, log) {
  mkdirSync(cache, { recursive: true });
  const debs = join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  const notes = [];
  let updated = false;
  const aptUpdate = () => {
    if (updated) return;
    log('apt-get update');
    run('apt-get', ['update', '-qq'], { deadline, env: aptEnv });
    updated = true;
  };
  const install = (packages) => {
    aptUpdate();
    log(`apt-get install ${packages.join(' ')}`);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { deadline, env: aptEnv });
  };
  let firmware = null;
  const kernels = [];
  try {
    const missing = [];
    if (!has('qemu-system-aarch64')) missing.push('qemu-system-arm');
    if (!has('dtc')) missing.push('device-tree-compiler');
    if (!has('xz')) missing.push('xz-utils'); // 6.12's modules are .ko.xz
    if (missing.length) install(missing);
    const find = (prefix) => readdirSync(debs).find((f) => f.startsWith(prefix) && f.endsWith('_arm64.deb'));
    const ensureArm64 = () => {
      if (!run('dpkg', ['--print-foreign-architectures'], { deadline }).split('\n').includes('arm64')) {
        log('dpkg --add-architecture arm64');
        run('dpkg', ['--add-architecture', 'arm64'], { deadline });
        updated = false;
      }
      aptUpdate();
    };
    // apt's sandbox user cannot write into the cache: download into it as root (its warning is harmless)
    const download = (pkgs) => {
      log(`apt-get download ${pkgs.join(' ')}`);
      run('apt-get', ['download', ...pkgs], { cwd: debs, deadline, env: aptEnv });
    };
    if (!find('busybox-static_')) {
      ensureArm64();
      download(['busybox-static:arm64']);
    }
    const busyboxDeb = find('busybox-static_');
    for (const k of KERNELS) {
      const stamp = join(debs, `${k.meta}.image`); // the image package the metapackage named last time
      let image = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
      try {
        if (!image || !find(`${image}_`)) {
          ensureArm64();
          const depends = run('apt-cache', ['depends', `${k.meta}:arm64`], { deadline });
          image = /Depends: (linux-image-[0-9][^\s:]*-arm64)/.exec(depends)?.[1];
          if (!image) throw new Error(`apt-cache names no linux-image package for ${k.meta}:arm64`);
          download([`${image}:arm64`]);
          writeFileSync(stamp, image + '\n');
        }
        kernels.push({ name: k.name, ...unpack(cache, debs, find(`${image}_`), busyboxDeb, deadline, log) });
      } catch (err) {
        if (k.required) throw err;
        notes.push(`kernel ${k.name} (${k.meta}) could not be had: ${err.message}`);
      }
    }
  } catch (err) {
    throw new SkipError(err.message);
  }
  try {
    if (!existsSync(AAVMF)) install(['qemu-efi-aarch64']);
    if (!existsSync(AAVMF)) throw new Error(`qemu-efi-aarch64 has no ${AAVMF}`);
    firmware = AAVMF;
  } catch (err) {
    notes.push(`the ACPI variants need qemu-efi-aarch64, which could not be had: ${err.message}`);
  }
  return { kernels, firmware, notes };
}

function unpack(cache, debs, imageDeb, busyboxDeb, deadline, log) {
  if (!imageDeb || !busyboxDeb) throw new Error('the downloaded packages are not in the cache');
  const root = join(cache, 'root', basename(imageDeb, '.deb'));
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

/**
 * A module's ELF bytes: `rel` as modules.order names it (.ko); 6.12 ships it as .ko.xz, which is
 * decompressed here, so init's busybox insmod reads plain ELF on either kernel.
 */
export function moduleBytes(modulesDir, rel) {
  const plain = join(modulesDir, rel);
  if (existsSync(plain)) return readFileSync(plain);
  if (existsSync(plain + '.xz'))
    return execFileSync('xz', ['-dc', plain + '.xz'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  throw new Error(`module ${rel} is in modules.order but neither it nor ${rel}.xz is there`);
}

/** `depends=` from a module's .modinfo section (what modinfo prints; no depmod needed). */
function moduleDepends(modulesDir, rel) {
  const text = moduleBytes(modulesDir, rel).toString('latin1');
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
    for (const dep of moduleDepends(modulesDir, rel)) visit(dep);
    order.push(rel);
  };
  for (const n of names) visit(n);
  return order;
}

/** Those of `names` this kernel has, as a module or built in (6.1 has no virtio_iommu). */
export function availableModules(modulesDir, names) {
  const norm = (n) => n.replace(/-/g, '_');
  const have = new Set(
    ['modules.order', 'modules.builtin'].flatMap((f) =>
      readFileSync(join(modulesDir, f), 'utf8')
        .split('\n')
        .map((rel) => norm(rel.split('/').pop().replace(/\.ko$/, ''))),
    ),
  );
  return names.filter((n) => have.has(norm(n)));
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
    entries.push({ name: `lib/modules/${rel.split('/').pop()}`, data: moduleBytes(prepared.modules, rel) });
  entries.push({
    name: 'lib/modules/load-order',
    data: Buffer.from(order.map((rel) => rel.split('/').pop()).join('\n') + '\n'),
  });
  entries.push({ name: 'init', mode: 0o100755, data: Buffer.from(init) });
  writeFileSync(out + '.tmp', cpio(entries));
  renameSync(out + '.tmp', out);
  return order;
}
