/**
 * Names the licences in licence files with tools/licence-scan (a `go run` of Google's
 * licensecheck, the classifier pkg.go.dev uses): one process for every file.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What the classifier found in one file. */
export interface LicenceText {
  /** Share of the file's words that known licence texts cover, 0..100. */
  percent: number;
  /** IDs of the licences found (SPDX IDs where SPDX has one), in file order. */
  licences: string[];
}

export async function classifyLicenceFiles(toolsDir: string, files: string[]): Promise<Map<string, LicenceText>> {
  const found = new Map<string, LicenceText>();
  if (files.length === 0) return found;
  const child = spawn('go', ['run', '.'], {
    cwd: join(toolsDir, 'licence-scan'),
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(`${files.join('\n')}\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`tools/licence-scan failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { file: string; percent: number; licences: string[]; error?: string };
    if (r.error) throw new Error(`tools/licence-scan could not read ${r.file}: ${r.error}`);
    found.set(r.file, { percent: r.percent, licences: r.licences });
  }
  return found;
}
