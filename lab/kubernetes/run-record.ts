/**
 * The record of a lab dir's run on Kubernetes (.lab/run/kubernetes.json): the namespace and the
 * kubeconfig it lives in, written before anything is created there, so a `faultline down` in
 * another process, also after a crash mid-start, finds what to delete. The port-forwards are
 * ordinary pid files beside it.
 */
import { join } from 'node:path';
import type { StackContext } from '../stack/context.ts';
import { readRecordFile, removeRecordFile, writeRecordFile } from '../stack/record-file.ts';

export interface KubeRunRecord {
  namespace: string;
  /** KUBECONFIG as the run saw it ('' for kubectl's default). */
  kubeconfig: string;
}

const recordPath = (ctx: StackContext): string => join(ctx.runDir, 'kubernetes.json');

export function writeKubeRecord(ctx: StackContext, record: KubeRunRecord): void {
  writeRecordFile(recordPath(ctx), record);
}

export function readKubeRecord(ctx: StackContext): KubeRunRecord | null {
  return readRecordFile(recordPath(ctx), (value) => (typeof value.namespace === 'string' && typeof value.kubeconfig === 'string' ? (value as unknown as KubeRunRecord) : null));
}

export function removeKubeRecord(ctx: StackContext): void {
  removeRecordFile(recordPath(ctx));
}
