// `dtmap audit`: the snapshot of a running machine, its verdicts, their outputs.
export {
  readSnapshot,
  parseSnapshot,
  snapshotJson,
  isSnapshot,
  blobBytes,
  SnapshotError,
  type Snapshot,
  type PciSnapshot,
  type Blob,
} from './snapshot.js';
export { COLLECT_SCRIPT } from './collect-script.js';
export {
  audit,
  auditFails,
  type AuditReport,
  type AuditOptions,
  type FunctionAudit,
  type Given,
  type Verdict,
  type VerdictKind,
} from './audit.js';
export { auditPretty, auditJson, VERDICT_WORDS } from './format.js';
