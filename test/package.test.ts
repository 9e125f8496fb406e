// The published package as a user gets it: `npm pack` on a copy of the repository (so the
// `prepare` build does not touch the dist/ the other tests run), then `npm install` of the
// tarball in an empty project with no dev dependencies and no build step, then `npx dtmap`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve('.');
// The copy gets its own version, so `--version` can only pass by reading package.json.
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const version = `${manifest.version}-packtest`;
const VIRTIO = resolve('fixtures/qemu/virt-virtio-iommu.dtb');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

// Nested npm must not see the npm_* variables of an outer `npm test` (they point at this repo).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const sh = (cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(cmd, args, { cwd, env: { ...env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 26 });

let tmp: string;
let tarball: string;
let contents: string[];
let app: string;
let unbuilt: SpawnSyncReturns<string>;
let installWarnings: string;
let packStdout: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dtmap-package-'));
  const copy = join(tmp, 'repo');
  const skip = new Set(['node_modules', '.git', 'dist', 'corpus'].map((d) => join(repo, d)));
  cpSync(repo, copy, { recursive: true, filter: (src) => !skip.has(src) });
  symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));

  // a clone before its build: one line, no stack trace
  unbuilt = sh(process.execPath, [join(copy, 'bin', 'dtmap.cjs'), '--version'], copy);

  const pack = sh(npm, ['pack', '--pack-destination', tmp], copy);
  expect(pack.status, pack.stderr).toBe(0);
  packStdout = pack.stdout;
  const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toEqual([`dtmap-${version}.tgz`]);
  tarball = join(tmp, tgz[0]!);
  const list = sh('tar', ['-tzf', tarball], tmp);
  expect(list.status, list.stderr).toBe(0);
  contents = list.stdout.split('\n').filter(Boolean);

  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'dtmap-install-test', private: true }));
  // Offline from npm's cache (the repository's own `npm ci` filled it with chalk and commander);
  // only if something is missing there does npm fetch from the registry.
  let install = sh(npm, ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
  if (install.status !== 0 && /ENOTCACHED/.test(install.stderr))
    install = sh(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  expect(install.status, install.stderr).toBe(0);
  installWarnings = install.stderr;
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the built CLI, library, types and docs', () => {
    for (const f of [
      'package/package.json',
      'package/README.md',
      'package/bin/dtmap.cjs',
      'package/dist/cli.cjs',
      'package/dist/index.js',
      'package/dist/types/index.d.ts',
      'package/docs/semantics.md',
      'package/docs/rules/map-wrap.md',
      'package/schema/dtmaprc.schema.json',
      'package/CHANGELOG.md',
    ])
      expect(contents).toContain(f);
  });

  it("prints only the tarball's name on stdout, as pre-commit reads it (.npmrc)", () => {
    expect(packStdout).toBe(`dtmap-${version}.tgz\n`);
  });

  it('ships no tests, fixtures, sources, scripts or source maps', () => {
    const unwanted = contents.filter((f) =>
      /\.map$|\.test\.|^package\/(test|fixtures|src|scripts|bench|\.ci)\//.test(f),
    );
    expect(unwanted).toEqual([]);
    expect(contents.every((f) => f.startsWith('package/'))).toBe(true);
  });
});

describe('a clone', () => {
  it('run before its build says so in one line, exit 2', () => {
    expect(unbuilt.stdout).toBe('');
    expect(unbuilt.stderr).toMatch(
      /^dtmap: error: \S+cli\.cjs is missing: build the CLI first \(`npm run build` in \S+\)\n$/,
    );
    expect(unbuilt.status).toBe(2);
  });
});

describe('npm install of the tarball', () => {
  it('has no install-time script to warn about (the build script is not in the tarball)', () => {
    const packed = JSON.parse(sh('tar', ['-xzOf', tarball, 'package/package.json'], tmp).stdout) as {
      scripts: Record<string, string>;
    };
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(packed.scripts[s], s).toBeUndefined();
    expect(installWarnings).not.toMatch(/prepare|install-scripts|scripts\/build/);
  });

  it('installs the runtime dependencies only, with no build step', () => {
    const mods = join(app, 'node_modules');
    expect(existsSync(join(mods, 'dtmap', 'dist', 'cli.cjs'))).toBe(true);
    expect(existsSync(join(mods, 'chalk'))).toBe(true);
    expect(existsSync(join(mods, 'commander'))).toBe(true);
    for (const dev of ['esbuild', 'typescript', 'vitest', 'fast-check', 'ajv'])
      expect(existsSync(join(mods, dev)), dev).toBe(false);
  });

  it('npx dtmap --version prints the package version', () => {
    const r = sh(npx, ['dtmap', '--version'], app);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(version);
  });

  it('npx dtmap check runs on a fixture', () => {
    const r = sh(npx, ['dtmap', 'check', VIRTIO], app);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('iommu-map-gap');
    const json = sh(npx, ['dtmap', 'check', '--format', 'json', VIRTIO], app);
    expect(JSON.parse(json.stdout).summary).toEqual({ errors: 0, warnings: 0, infos: 1 });
  });

  it('npx dtmap rules RULE prints the page the package ships', () => {
    const r = sh(npx, ['dtmap', 'rules', 'map-wrap'], app);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(app, 'node_modules', 'dtmap', 'docs', 'rules', 'map-wrap.md'), 'utf8'));
    expect(r.stdout).toMatch(/^# map-wrap\n/);
  });

  it('the library imports from the installed package', () => {
    const code = `import { readDtb, check } from 'dtmap'; import { readFileSync } from 'node:fs';
      const t = readDtb(readFileSync(${JSON.stringify(VIRTIO)}), 'virt.dtb');
      console.log(check(t, { kernel: 'classic' }).map((d) => d.rule).join(','));`;
    const r = sh(process.execPath, ['--input-type=module', '-e', code], app);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('iommu-map-gap');
  });
});
